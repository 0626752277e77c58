//! Shared helpers: start an emulator on 127.0.0.1:0 and talk TestRail over real HTTP.
#![allow(dead_code)]

use serde_json::Value;
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Emulator, EmulatorConfig, demo_fixture, start};

pub struct Tr {
    pub emu: Emulator,
    pub http: reqwest::Client,
    pub user: (String, String),
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// An emulator with the demo shop loaded.
pub async fn demo() -> Tr {
    with_config(EmulatorConfig {
        fixture: Some(demo_fixture()),
        ..Default::default()
    })
    .await
}

/// An empty emulator (no projects), demo login.
pub async fn empty() -> Tr {
    with_config(EmulatorConfig::default()).await
}

pub async fn with_config(config: EmulatorConfig) -> Tr {
    let user = config
        .users
        .first()
        .map(|c| (c.email.clone(), c.key.clone()))
        .unwrap_or((DEMO_EMAIL.into(), DEMO_KEY.into()));
    let emu = start(config).await.expect("emulator starts");
    Tr {
        emu,
        http: client(),
        user,
    }
}

pub struct Resp {
    pub status: u16,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }
}

impl Tr {
    pub fn api(&self, path: &str) -> String {
        format!("{}/index.php?/api/v2/{}", self.emu.url(), path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body read");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            json,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(
            self.http
                .get(self.api(path))
                .basic_auth(&self.user.0, Some(&self.user.1)),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(
            self.http
                .post(self.api(path))
                .basic_auth(&self.user.0, Some(&self.user.1))
                .json(&body),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Resp {
        let req = self
            .http
            .post(self.api(path))
            .basic_auth(&self.user.0, Some(&self.user.1));
        self.send(req.header("content-type", "application/json").body(body))
            .await
    }

    /// GET that must succeed; returns the JSON.
    pub async fn ok(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.json);
        r.json
    }

    /// POST that must succeed; returns the JSON.
    pub async fn okp(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body).await;
        assert_eq!(r.status, 200, "POST {path}: {}", r.json);
        r.json
    }

    /// POST that must fail with 400 and this exact error text.
    pub async fn bad(&self, path: &str, body: Value, error: &str) {
        let r = self.post(path, body).await;
        assert_eq!((r.status, r.error()), (400, error), "POST {path}");
    }

    /// GET that must fail with 400 and this exact error text.
    pub async fn bad_get(&self, path: &str, error: &str) {
        let r = self.get(path).await;
        assert_eq!((r.status, r.error()), (400, error), "GET {path}");
    }
}
