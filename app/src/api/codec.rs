//! One JSON reader for page data in the browser.
//!
//! A page's data reaches the browser two ways: embedded in the server-rendered
//! HTML, which Leptos reads with `serde_json::from_str`, and, after a
//! client-side navigation, as a server function's response, which the stock
//! `Json` codec reads with `serde_json::from_slice`. Each reader instantiates
//! its own copy of every data type's deserializer in the WebAssembly (about
//! 40 KB for the company page's data alone). Server functions whose results
//! back a page's `Resource` therefore answer with [`PageJson`], which reads the
//! response as text: both ways share one copy. On the wire it is the same JSON
//! with the same content type.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON, read from text (see the module documentation).
pub struct TextJsonEncoding;

/// Arguments and results as JSON in the body of a `POST`, results read as text.
pub type PageJson = Post<TextJsonEncoding>;

impl ContentType for TextJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for TextJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text =
            std::str::from_utf8(&bytes).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_encoded_decodes_to_the_same_value() {
        let value = (String::from("GOOGL"), vec![1_u32, 2, 3], Some(0.5_f64));
        let bytes = <TextJsonEncoding as Encodes<_>>::encode(&value).unwrap();
        let back: (String, Vec<u32>, Option<f64>) = TextJsonEncoding::decode(bytes).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn a_body_that_is_not_utf8_is_an_error_not_a_panic() {
        let result: Result<String, _> =
            TextJsonEncoding::decode(Bytes::from_static(&[b'"', 0xff, b'"']));
        assert!(result.is_err());
    }
}
