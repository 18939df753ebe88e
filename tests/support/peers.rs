//! Real peer programs for the remote-mode tests, each on an ephemeral
//! 127.0.0.1 port and stopped when dropped: `redis-server` and `nginx`.
//! A missing program skips the test with a printed reason, except under
//! `CI=true`, where it fails.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether this run must not skip for a missing program.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The program's path, or `None` (after saying why) when it is missing and
/// this is not CI.
pub fn program(name: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Some(p),
        None if in_ci() => panic!("CI=true and `{name}` is missing: {install}"),
        None => {
            eprintln!("SKIPPED: `{name}` is not installed ({install}); CI runs this test");
            None
        }
    }
}

/// A free port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// A `redis-server` of its own, without persistence.
pub struct Redis {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts one, or `None` when skipping (see [`program`]).
    pub fn start() -> Option<Self> {
        let bin = program(
            "redis-server",
            "apt-get install redis-server (.ci/run does)",
        )?;
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new(bin)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        wait_for_port(port, "redis-server");
        Some(Self {
            child,
            port,
            _dir: dir,
        })
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `nginx` of its own, round-robin over `upstreams` (127.0.0.1 ports),
/// run as the test user with its config, pid file and logs in a temp dir.
pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    pub fn start(upstreams: &[u16]) -> Option<Self> {
        let bin = program("nginx", "apt-get install nginx-light (.ci/run does)")?;
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let conf = nginx_conf(dir.path(), port, upstreams);
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("stderr.log")).expect("log"),
            ))
            .spawn()
            .expect("nginx starts");
        wait_for_port(port, "nginx");
        Some(Self { child, port, dir })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// nginx's access log: one line per proxied request, naming the upstream.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Round robin, no buffering (SSE), HTTP/1.1 keep-alive to the upstreams,
/// and a failed upstream tried on the next one for any method: the
/// replicas hold no state a retry could duplicate.
fn nginx_conf(dir: &Path, port: u16, upstreams: &[u16]) -> String {
    let servers: String = upstreams
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=0;\n"))
        .collect();
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
events {{ worker_connections 256; }}\n\
http {{\n\
  access_log {d}/access.log;\n\
  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
  log_format up '$request $status $upstream_addr';\n\
  upstream replicas {{\n{servers}  }}\n\
  server {{\n\
    listen 127.0.0.1:{port};\n\
    access_log {d}/access.log up;\n\
    location / {{\n\
      proxy_pass http://replicas;\n\
      proxy_http_version 1.1;\n\
      proxy_set_header Connection \"\";\n\
      proxy_set_header Host $http_host;\n\
      proxy_buffering off;\n\
      proxy_request_buffering off;\n\
      proxy_read_timeout 60s;\n\
      proxy_next_upstream error timeout non_idempotent;\n\
      proxy_next_upstream_tries 2;\n\
    }}\n\
  }}\n\
}}\n"
    )
}
