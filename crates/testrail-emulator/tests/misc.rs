//! Users, milestones, custom statuses, attachments, the web view, stats and reset.

mod common;

use common::{client, demo};
use serde_json::json;
use testrail_emulator::{EmulatorConfig, demo_fixture};

#[tokio::test]
async fn users_by_id_email_and_current() {
    let tr = demo().await;
    let me = tr.ok("get_current_user").await;
    assert_eq!(
        (me["id"].as_u64(), me["email"].as_str(), me["name"].as_str()),
        (
            Some(1),
            Some(testrail_emulator::DEMO_EMAIL),
            Some("Demo User")
        )
    );
    assert_eq!(tr.ok("get_user/1").await["is_active"], true);
    let by_mail = tr
        .ok("get_user_by_email&email=demo%40testrail-sync.local")
        .await;
    assert_eq!(by_mail["id"], 1);
    tr.bad_get(
        "get_user_by_email&email=nobody%40x.test",
        "Field :email is not a valid email address",
    )
    .await;
    tr.bad_get("get_user_by_email", "Field :email is a required field.")
        .await;
    tr.bad_get("get_user/5", "Field :user_id is not a valid user.")
        .await;
    assert_eq!(tr.ok("get_users").await["users"][0]["id"], 1);
    assert_eq!(tr.ok("get_users/1").await["size"], 1);
}

#[tokio::test]
async fn milestones_nest_and_validate() {
    let tr = demo().await;
    let m = tr
        .okp(
            "add_milestone/1",
            json!({"name": "1.0", "due_on": 1_900_000_000}),
        )
        .await;
    assert_eq!(
        (m["id"].as_u64(), m["due_on"].as_i64()),
        (Some(1), Some(1_900_000_000))
    );
    assert_eq!(
        m["url"],
        format!("{}/index.php?/milestones/view/1", tr.emu.url())
    );
    tr.okp(
        "add_milestone/1",
        json!({"name": "1.0-beta", "parent_id": 1}),
    )
    .await;
    let list = tr.ok("get_milestones/1").await;
    assert_eq!(
        (
            list["size"].as_u64(),
            list["milestones"][0]["milestones"][0]["name"].as_str()
        ),
        (Some(1), Some("1.0-beta"))
    );
    let done = tr
        .okp("update_milestone/1", json!({"is_completed": true}))
        .await;
    assert_eq!(done["is_completed"], true);
    let run = tr
        .okp("add_run/1", json!({"name": "R", "milestone_id": 2}))
        .await;
    assert_eq!(run["milestone_id"], 2);
    tr.bad(
        "add_milestone/1",
        json!({"name": "x", "due_on": "soon"}),
        // testrail-observed 5.5 (verbatim).
        "Field :due_on is not a valid integer.",
    )
    .await;
    tr.bad_get(
        "get_milestone/9",
        "Field :milestone_id is not a valid milestone.",
    )
    .await;
}

#[tokio::test]
async fn custom_statuses_from_config() {
    let config = EmulatorConfig {
        custom_statuses: vec![
            ("custom_status3".into(), "Flaky".into()),
            ("skipped".into(), "Skipped".into()),
        ],
        ..Default::default()
    };
    let tr = common::with_config(config).await;
    let statuses = tr.ok("get_statuses").await;
    let customs: Vec<(u64, &str, &str)> = statuses
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["is_system"] == false)
        .map(|s| {
            (
                s["id"].as_u64().unwrap(),
                s["name"].as_str().unwrap(),
                s["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        customs,
        [(6, "skipped", "Skipped"), (8, "custom_status3", "Flaky")]
    );
}

#[tokio::test]
async fn attachments_upload_list_download() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1]}),
    )
    .await;
    let result = tr
        .okp("add_result_for_case/1/1", json!({"status_id": 5}))
        .await;
    let rid = result["id"].as_u64().unwrap();
    let upload = |path: String, bytes: &'static [u8], name: &'static str| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name)
            .mime_str("text/plain")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("attachment", part);
        tr.http
            .post(tr.api(&path))
            .basic_auth(&tr.user.0, Some(&tr.user.1))
            .multipart(form)
    };
    let a = tr
        .send(upload(
            format!("add_attachment_to_result/{rid}"),
            b"stack trace",
            "trace.txt",
        ))
        .await;
    assert_eq!((a.status, a.json["attachment_id"].as_u64()), (200, Some(1)));
    let b = tr
        .send(upload(
            "add_attachment_to_run/1".into(),
            b"run log",
            "run.log",
        ))
        .await;
    assert_eq!(b.json["attachment_id"], 2);
    let c = tr
        .send(upload(
            "add_attachment_to_case/1".into(),
            b"spec",
            "spec.md",
        ))
        .await;
    assert_eq!(c.json["attachment_id"], 3);
    assert_eq!(
        tr.send(upload("add_attachment_to_plan/9".into(), b"x", "x"))
            .await
            .error(),
        "Field :plan_id is not a valid test plan."
    );
    assert_eq!(
        tr.send(upload("add_attachment_to_result/99".into(), b"x", "x"))
            .await
            .error(),
        "Field :result_id is not a valid result."
    );
    let no_part = reqwest::multipart::Form::new().text("other", "x");
    let missing = tr
        .send(
            tr.http
                .post(tr.api("add_attachment_to_run/1"))
                .basic_auth(&tr.user.0, Some(&tr.user.1))
                .multipart(no_part),
        )
        .await;
    assert_eq!(
        (missing.status, missing.error()),
        (400, "Field :attachment is a required field.")
    );

    let for_result = tr.ok(&format!("get_results/{}", result["test_id"])).await;
    assert_eq!(for_result["results"][0]["attachment_ids"], json!([1]));
    let t = tr
        .ok(&format!("get_attachments_for_test/{}", result["test_id"]))
        .await;
    assert_eq!(
        (t[0]["name"].as_str(), t[0]["size"].as_u64()),
        (Some("trace.txt"), Some(11))
    );
    assert_eq!(
        tr.ok("get_attachments_for_run/1").await["attachments"][0]["id"],
        2
    );
    assert_eq!(tr.ok("get_attachments_for_case/1").await["size"], 1);
    let raw = tr
        .http
        .get(tr.api("get_attachment/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.bytes().await.unwrap().as_ref(), b"stack trace");
    assert_eq!(tr.post("delete_attachment/1", json!({})).await.status, 200);
    tr.bad_get(
        "get_attachment/1",
        "Field :attachment_id is not a valid attachment.",
    )
    .await;
}

#[tokio::test]
async fn web_view_pages() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "Nightly <build>", "include_all": false, "case_ids": [1, 2, 3],
               "description": "CI: demo\nBuild: https://ci.example/builds/42"}),
    )
    .await;
    let failed = tr
        .okp(
            "add_result_for_case/1/1",
            json!({"status_id": 5, "elapsed": "3s", "version": "v1.2", "defects": "BUG-7",
                   "comment": "expected 2 got <3>\n```\nstack <frame>\n```\n<script>alert(1)</script>"}),
        )
        .await;
    tr.okp("add_result_for_case/1/2", json!({"status_id": 1}))
        .await;
    let part = reqwest::multipart::Part::bytes(&b"\x89PNG fake"[..])
        .file_name("screen.png")
        .mime_str("image/png")
        .unwrap();
    let upload = tr
        .send(
            tr.http
                .post(tr.api(&format!("add_attachment_to_result/{}", failed["id"])))
                .basic_auth(&tr.user.0, Some(&tr.user.1))
                .multipart(reqwest::multipart::Form::new().part("attachment", part)),
        )
        .await;
    assert_eq!(upload.status, 200);
    let http = client();
    let get = |path: &str| http.get(format!("{}{path}", tr.emu.url())).send();
    let text = |path: &'static str| {
        let req = get(path);
        async move { req.await.unwrap().text().await.unwrap() }
    };
    let home = get("/").await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'"),
        "pages forbid scripts"
    );
    assert!(home.text().await.unwrap().contains("Demo Shop"));
    let project = text("/index.php?/projects/overview/1").await;
    assert!(project.contains("Nightly &lt;build&gt;") && project.contains("class=bar"));
    assert!(project.contains("1 Passed, 1 Failed, 1 Untested"));

    let run = text("/index.php?/runs/view/1").await;
    assert!(
        run.contains(
            "<a href=\"/\">Projects</a> › <a href=\"/index.php?/projects/overview/1\">Demo Shop</a> › <span>R1 Nightly &lt;build&gt;</span>"
        ),
        "breadcrumb names the project"
    );
    assert!(
        run.contains("<div class=desc>CI: demo\nBuild: <a href=\"https://ci.example/builds/42\""),
        "description keeps its lines and links its URL"
    );
    assert!(run.contains("<p>expected 2 got &lt;3&gt;</p><pre>stack &lt;frame&gt;</pre>"));
    assert!(run.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !run.contains("<script>"));
    assert!(run.contains("href=\"/attachments/1\"") && run.contains("screen.png"));
    assert!(run.contains("Defects: <b>BUG-7</b>") && run.contains("v1.2"));
    assert!(run.contains("Failed") && run.contains("Untested"));
    assert!(
        run.contains("border-left-color:#d97373"),
        "failed rows get a red edge"
    );
    let only_failed = text("/index.php?/runs/view/1&status_id=5").await;
    assert!(only_failed.contains("id=T1>") && !only_failed.contains("id=T2>"));

    tr.okp(
        "add_plan/1",
        json!({"name": "Release <1>", "entries": [{"suite_id": 1, "name": "Cart"}]}),
    )
    .await;
    let plan_run = text("/index.php?/runs/view/2").await;
    assert!(
        plan_run.contains(
            "Demo Shop</a> › <a href=\"/index.php?/plans/view/1\">Release &lt;1&gt;</a> › <span>R2 Cart</span>"
        ),
        "a plan's run names its plan in the breadcrumb"
    );
    let project = text("/index.php?/projects/overview/1").await;
    assert!(project.contains("Release &lt;1&gt;") && project.contains("R2 Cart"));

    let image = get("/attachments/1").await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(image.headers()["x-content-type-options"], "nosniff");
    assert_eq!(image.bytes().await.unwrap().as_ref(), b"\x89PNG fake");
    assert_eq!(get("/attachments/9").await.unwrap().status(), 404);
    assert_eq!(get("/index.php?/runs/view/99").await.unwrap().status(), 404);
}

#[tokio::test]
async fn stats_count_endpoints_writes_and_codes_and_reset_restores_fixture() {
    let tr = demo().await;
    tr.ok("get_statuses").await;
    tr.okp("add_run/1", json!({"name": "R"})).await;
    tr.bad_get("get_run/9", "Field :run is not a valid test run.")
        .await;
    tr.get("nope").await;
    let http = client();
    let stats: serde_json::Value = http
        .get(format!("{}/_emulator/stats", tr.emu.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 4);
    assert_eq!(
        (
            stats["endpoints"]["get_statuses"].as_u64(),
            stats["endpoints"]["add_run"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(stats["writes"], 1);
    assert_eq!(
        (
            stats["status_codes"]["200"].as_u64(),
            stats["status_codes"]["400"].as_u64(),
            stats["status_codes"]["404"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(tr.emu.stats().requests, 4);

    tr.okp("add_case/1", json!({"title": "extra"})).await;
    let reset = http
        .post(format!("{}/_emulator/reset", tr.emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(tr.emu.stats().requests, 0);
    tr.bad_get("get_run/1", "Field :run is not a valid test run.")
        .await;
    assert_eq!(
        tr.ok("get_cases/1").await["size"],
        40,
        "fixture re-applied, added case gone"
    );
    assert_eq!(
        tr.okp("add_run/1", json!({"name": "again"})).await["id"],
        1,
        "IDs restart from 1"
    );
    let _ = demo_fixture();
}

#[tokio::test]
async fn rollback_deletes_like_trcli() {
    let tr = demo().await;
    tr.bad(
        "delete_cases/1",
        json!({"case_ids": [1, 99]}),
        "Field :case_ids is not a valid ID.",
    )
    .await;
    assert_eq!(
        tr.post("delete_cases/1", json!({"case_ids": [1, 2]}))
            .await
            .status,
        200
    );
    assert_eq!(tr.ok("get_cases/1").await["size"], 38);
    let p = tr
        .okp("add_project", json!({"name": "M", "suite_mode": 3}))
        .await;
    let s = tr
        .okp(&format!("add_suite/{}", p["id"]), json!({"name": "S"}))
        .await;
    let sec = tr
        .okp(
            &format!("add_section/{}", p["id"]),
            json!({"name": "Sec", "suite_id": s["id"]}),
        )
        .await;
    tr.okp(&format!("add_case/{}", sec["id"]), json!({"title": "c"}))
        .await;
    assert_eq!(
        tr.post(&format!("delete_section/{}", sec["id"]), json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        tr.post(&format!("delete_suite/{}", s["id"]), json!({}))
            .await
            .status,
        200
    );
    tr.bad_get(
        &format!("get_suite/{}", s["id"]),
        "Field :suite_id is not a valid test suite.",
    )
    .await;
}

#[test]
fn demo_json_file_is_the_demo_fixture() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.json");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&demo_fixture()).unwrap() + "\n",
        )
        .unwrap();
    }
    let file = testrail_emulator::Fixture::from_file(&path).expect("fixtures/demo.json parses");
    assert_eq!(
        file,
        demo_fixture(),
        "regenerate with UPDATE_FIXTURES=1 cargo test -p testrail-emulator --test misc"
    );
}
