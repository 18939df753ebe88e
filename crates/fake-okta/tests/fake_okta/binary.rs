use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn binary_prints_its_url_and_stops_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-okta"))
        .args([
            "--users",
            "40",
            "--token",
            "bench",
            "--fault",
            "GET /api/v1/groups 503 1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("URL in time")
        .unwrap()
        .expect("one line");
    assert!(
        url.starts_with("http://127.0.0.1:") && url[17..].parse::<u16>().is_ok(),
        "{url}"
    );

    let client = crate::client();
    let users: serde_json::Value = client
        .get(format!("{url}/api/v1/users?limit=200"))
        .header("authorization", "SSWS bench")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 40);
    let bearer = client
        .get(format!("{url}/api/v1/groups"))
        .bearer_auth("bench")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 503, "fault from the command line");
    let denied = client
        .get(format!("{url}/api/v1/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);

    drop(child.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits once stdin closes")
        .unwrap();
    assert!(status.success());
    assert_eq!(
        lines.next_line().await.unwrap(),
        None,
        "exactly one line on stdout"
    );
}
