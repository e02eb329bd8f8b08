use crate::api::users::{
    list_users, AddAccount, EndUserSessions, SetDisabled, SetRole, UserSummary,
};
use domain::account::Role;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/admin/users`: accounts for admins (the server functions check the role).
#[component]
pub fn AdminUsers() -> impl IntoView {
    let add = ServerAction::<AddAccount>::new();
    let role = ServerAction::<SetRole>::new();
    let disable = ServerAction::<SetDisabled>::new();
    let end = ServerAction::<EndUserSessions>::new();
    // `data-ready` once the forms are interactive (effects run in the browser only).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let users = Resource::new(
        move || {
            (
                add.version().get(),
                role.version().get(),
                disable.version().get(),
                end.version().get(),
            )
        },
        |_| list_users(),
    );
    let message = move || {
        let results = [
            add.value().get().map(|r| r.map(|()| "Account added.")),
            role.value().get().map(|r| r.map(|()| "Role changed.")),
            disable
                .value()
                .get()
                .map(|r| r.map(|()| "Account updated.")),
            end.value()
                .get()
                .map(|r| r.map(|_| "Sessions ended: the account must sign in again.")),
        ];
        results.into_iter().flatten().last().map(|r| match r {
            Ok(text) => {
                view! { <p class="ok" role="status" id="admin-outcome">{text}</p> }.into_any()
            }
            Err(e) => {
                view! { <p class="error" role="alert" id="admin-outcome">{e.to_string()}</p> }
                    .into_any()
            }
        })
    };
    view! {
        <Title text="Users"/>
        <section class="admin-users">
            <h1>"Users"</h1>
            {message}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| {
                    view! {
                        <div class="error" role="alert">
                            {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                            <p><a href="/login">"Sign in as an admin"</a></p>
                        </div>
                    }
                }>
                    {move || Suspend::new(async move {
                        let list = users.await?;
                        Ok::<_, crate::error::AppError>(view! { <UserTable list role disable end/> })
                    })}
                </ErrorBoundary>
            </Transition>
            <h2>"Add an account"</h2>
            <p class="hint">"Hand the first password over in person; the account must change it at its first sign-in."</p>
            <ActionForm action=add attr:id="add-user-form" attr:data-ready=move || ready.get().to_string()>
                <label>"Email" <input type="email" name="email" required autocomplete="off"/></label>
                <label>
                    "Role"
                    <select name="role">
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Analyst>{r.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"First password" <input type="password" name="password" minlength="8" maxlength="128" required autocomplete="new-password"/></label>
                <button type="submit" disabled=move || add.pending().get()>"Add"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(
    list: Vec<UserSummary>,
    role: ServerAction<SetRole>,
    disable: ServerAction<SetDisabled>,
    end: ServerAction<EndUserSessions>,
) -> impl IntoView {
    view! {
        <table class="history users" id="users-table">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Sessions"</th>
                    <th scope="col">"Since"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|u| {
                        let (email_role, email_flip, email_end) =
                            (u.email.clone(), u.email.clone(), u.email.clone());
                        let current = u.role;
                        let (status, flip, flip_label) = if u.disabled {
                            ("disabled", "false", "Enable")
                        } else {
                            ("active", "true", "Disable")
                        };
                        view! {
                            <tr data-email=u.email.clone()>
                                <td>{u.email.clone()}</td>
                                <td>
                                    <ActionForm action=role attr:class="role-form">
                                        <input type="hidden" name="email" value=email_role/>
                                        <select name="role">
                                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == current>{r.as_str()}</option> }).collect_view()}
                                        </select>
                                        <button type="submit">"Set"</button>
                                    </ActionForm>
                                </td>
                                <td>
                                    {status} " "
                                    <ActionForm action=disable attr:class="disable-form">
                                        <input type="hidden" name="email" value=email_flip/>
                                        <input type="hidden" name="disabled" value=flip/>
                                        <button type="submit">{flip_label}</button>
                                    </ActionForm>
                                </td>
                                <td>
                                    {u.sessions} " "
                                    {(u.sessions > 0).then(|| view! {
                                        <ActionForm action=end attr:class="end-sessions-form">
                                            <input type="hidden" name="email" value=email_end/>
                                            <button type="submit">"End sessions"</button>
                                        </ActionForm>
                                    })}
                                </td>
                                <td>{u.created}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
