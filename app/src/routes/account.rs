use crate::api::auth::{ChangePassword, EndMySession, Login, Logout};
use domain::account::{Role, SignedIn};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/login`: sign in; once signed in, change the password or sign out.
#[component]
pub fn Account() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::api::auth::who_am_i());
    view! {
        <Title text="Account"/>
        <section class="account">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => view! { <SignedInView user/> }.into_any(),
                        Ok(None) => view! { <LoginForm/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Where to go after signing in: here again while the password is one an
/// admin issued (it is to be changed first).
fn landing(user: &SignedIn) -> &'static str {
    if user.must_change_password {
        "/login"
    } else if user.role.allows(Role::Analyst) {
        "/enter"
    } else {
        "/"
    }
}

/// Reloads the whole page at `href`, so every part of it sees the new
/// session. Called from effects only, which run in the browser.
fn reload_to(href: &str) {
    let _ = window().location().set_href(href);
}

#[component]
fn LoginForm() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    // `data-ready` once the form is interactive (effects run in the browser only).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    Effect::new(move |_| {
        if let Some(Ok(user)) = login.value().get() {
            reload_to(landing(&user));
        }
    });
    let error = move || match login.value().get() {
        Some(Err(e)) => {
            Some(view! { <p class="error" role="alert" id="login-error">{e.to_string()}</p> })
        }
        _ => None,
    };
    view! {
        <h1>"Sign in"</h1>
        <p>"Analysts sign in to enter figures. Reading the dashboard needs no account."</p>
        <ActionForm action=login attr:id="login-form" attr:data-ready=move || ready.get().to_string()>
            <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
            <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
            <button type="submit" disabled=move || login.pending().get()>"Sign in"</button>
        </ActionForm>
        {error}
    }
}

#[component]
fn SignedInView(user: SignedIn) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let change = ServerAction::<ChangePassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            reload_to("/");
        }
    });
    let forced = user.must_change_password;
    let after_change = SignedIn {
        must_change_password: false,
        ..user.clone()
    };
    Effect::new(move |_| {
        // Once an issued password is changed, on to where the account works.
        if forced && matches!(change.value().get(), Some(Ok(()))) {
            reload_to(landing(&after_change));
        }
    });
    let change_result = move || {
        change.value().get().map(|r| match r {
            Ok(()) => view! { <p class="ok" role="status">"Password changed. Your other sessions have ended."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    let enter = user.role.allows(Role::Analyst);
    view! {
        <h1>"Account"</h1>
        {forced.then(|| view! {
            <p class="error" role="alert" id="issued-password">
                "Your password was issued by an admin. Choose your own below to continue: until then you can only change it."
            </p>
        })}
        <p>"Signed in as " <strong id="signed-in-email">{user.email.clone()}</strong> " (" {user.role.as_str()} ")."</p>
        {enter.then(|| view! { <p><a href="/enter">"Enter figures"</a> " · " <a href="/audit">"Audit trail"</a></p> })}
        {(user.role == Role::Admin).then(|| view! { <p><a href="/admin/users">"Manage users"</a> " · " <a href="/admin/sync">"EDGAR sync"</a></p> })}
        <ActionForm action=logout attr:id="logout-form">
            <button type="submit">"Sign out"</button>
        </ActionForm>
        <h2>"Change password"</h2>
        <p class="hint">"8 to 128 characters; common passwords are refused. A few unrelated words work well."</p>
        <ActionForm action=change attr:id="password-form">
            <label>"Current password" <input type="password" name="current_password" autocomplete="current-password" required/></label>
            <label>"New password" <input type="password" name="new_password" autocomplete="new-password" minlength="8" maxlength="128" required/></label>
            <label>"Repeat new password" <input type="password" name="new_password_repeat" autocomplete="new-password" required/></label>
            <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
        </ActionForm>
        {change_result}
        <MySessions/>
    }
}

/// The account's open sessions, each with a button to end it (one left
/// signed in on another computer, say). This browser's own is marked.
#[component]
fn MySessions() -> impl IntoView {
    let end = ServerAction::<EndMySession>::new();
    let sessions = Resource::new(
        move || end.version().get(),
        |_| crate::api::auth::my_sessions(),
    );
    let outcome = move || {
        end.value().get().map(|r| match r {
            Ok(()) => {
                view! { <p class="ok" role="status" id="session-outcome">"Session ended."</p> }
                    .into_any()
            }
            Err(e) => {
                view! { <p class="error" role="alert" id="session-outcome">{e.to_string()}</p> }
                    .into_any()
            }
        })
    };
    view! {
        <h2>"Where you are signed in"</h2>
        {outcome}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <div class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                </div>
            }>
                {move || Suspend::new(async move {
                    let list = sessions.await?;
                    Ok::<_, crate::error::AppError>(view! {
                        <table class="history sessions" id="sessions-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Signed in"</th>
                                    <th scope="col">"Ends if idle"</th>
                                    <th scope="col"><span class="visually-hidden">"End"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|s| {
                                    let handle = s.handle.clone();
                                    view! {
                                    <tr data-handle=s.handle data-current=s.current.to_string()>
                                        <td>{s.signed_in} {s.current.then_some(" (this browser)")}</td>
                                        <td>{s.expires}</td>
                                        // This browser's own ends with "Sign out" above.
                                        <td>{(!s.current).then(|| view! {
                                            <ActionForm action=end attr:class="end-session-form">
                                                <input type="hidden" name="handle" value=handle/>
                                                <button type="submit">"End"</button>
                                            </ActionForm>
                                        })}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The header's account link. Static (no resource), so it renders the same
/// on every page whatever the page's streaming mode; `/login` shows the state.
#[component]
pub fn AccountNav() -> impl IntoView {
    view! { <a href="/login" class="account-link">"Account"</a> }
}
