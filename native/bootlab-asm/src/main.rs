//! `bootlab-asm`: `bootlab asm` for Makefiles, which start the assembler once per source file.
//!
//! A Node process takes tens of milliseconds to start, more than NASM needs for a whole file. This
//! small program starts in about a millisecond and hands its arguments, working directory and
//! environment to a resident assembler (`out/asm-server.cjs`, started on first use, leaving by
//! itself after some idle minutes) over a Unix socket in a directory only the user can enter. It
//! prints what the assembler prints and exits with its status. Where that cannot work (no server,
//! Windows, an unsafe socket directory) it runs `node bin/bootlab.js asm` itself: the same result,
//! only slower.
//!
//! Protocol (src-main/cli/asmServer.ts is the other side): the request is a list of fields, each a
//! little-endian u32 length and its bytes, ended by the length 0xFFFFFFFF: the protocol name with
//! the build's id, the working directory, the number of arguments, the arguments, then the
//! environment as NAME=value. The answer is frames of one kind byte and a u32 length: `1` standard
//! output, `2` standard error, `x` the exit status as decimal text (the last frame).

use std::env;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{exit, Command};

/// Set by scripts/build-main.js for each build, so a client only ever talks to its own build's server.
const BUILD_ID: &str = match option_env!("BOOTLAB_BUILD_ID") {
    Some(id) => id,
    None => "dev",
};

fn main() {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    #[cfg(unix)]
    if env::var_os("BOOTLAB_ASM_DIRECT").is_none() {
        if let Some(status) = resident::assemble(&args) {
            exit(status);
        }
    }
    exit(run_directly(&args));
}

/// The package folder: this program lives in its `out/` folder.
fn package_dir() -> Option<PathBuf> {
    let exe = env::current_exe().ok()?.canonicalize().ok()?;
    Some(exe.parent()?.parent()?.to_path_buf())
}

fn node() -> OsString {
    env::var_os("BOOTLAB_NODE").unwrap_or_else(|| OsString::from("node"))
}

/// `node bin/bootlab.js asm ARGS` with this process's input and output.
fn run_directly(args: &[OsString]) -> i32 {
    let Some(dir) = package_dir() else {
        eprintln!("bootlab-asm: cannot find the Bootlab package this program belongs to");
        return 1;
    };
    match Command::new(node()).arg(dir.join("bin").join("bootlab.js")).arg("asm").args(args).status() {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("bootlab-asm: cannot start node ({e}); Bootlab needs Node.js 20 or later on the PATH (or BOOTLAB_NODE)");
            1
        }
    }
}

#[cfg(unix)]
mod resident {
    use super::{node, package_dir, BUILD_ID};
    use std::env;
    use std::ffi::OsString;
    use std::io::{self, Read, Write};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::thread::sleep;
    use std::time::{Duration, Instant};

    /// The socket: BOOTLAB_ASM_SOCKET, else in $XDG_RUNTIME_DIR/bootlab-asm or ~/.cache/bootlab-asm.
    fn socket_path() -> Option<PathBuf> {
        if let Some(p) = env::var_os("BOOTLAB_ASM_SOCKET") {
            return Some(PathBuf::from(p));
        }
        let base = match env::var_os("XDG_RUNTIME_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from(env::var_os("HOME")?).join(".cache"),
        };
        Some(base.join("bootlab-asm").join(format!("{BUILD_ID}.sock")))
    }

    /// Only a directory no one else may enter holds a socket we trust (we can enter it: it is ours).
    fn private_dir(dir: &Path) -> bool {
        match std::fs::metadata(dir) {
            Ok(m) => m.is_dir() && m.permissions().mode() & 0o077 == 0,
            Err(_) => false,
        }
    }

    fn connect(path: &Path) -> Option<UnixStream> {
        if !private_dir(path.parent()?) {
            return None;
        }
        UnixStream::connect(path).ok()
    }

    /// Starts the server in a process group of its own (Ctrl-C in make's terminal is not for it),
    /// with no handle on make's pipes; it outlives this process.
    fn start_server(path: &Path) -> Option<()> {
        let script = package_dir()?.join("out").join("asm-server.cjs");
        Command::new(node())
            .arg(script)
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ok()?;
        Some(())
    }

    fn field(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }

    fn request(args: &[OsString]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(4096);
        field(&mut out, format!("bootlab-asm/1 {BUILD_ID}").as_bytes());
        field(&mut out, env::current_dir().ok()?.as_os_str().as_bytes());
        field(&mut out, args.len().to_string().as_bytes());
        for a in args {
            field(&mut out, a.as_bytes());
        }
        for (name, value) in env::vars_os() {
            let mut kv = name.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(value.as_bytes());
            field(&mut out, &kv);
        }
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        Some(out)
    }

    /// The assembler's exit status through the resident server, or None when it could not be asked
    /// (the caller then runs it directly; nothing has been printed yet in that case).
    pub fn assemble(args: &[OsString]) -> Option<i32> {
        let path = socket_path()?;
        let mut stream = match connect(&path) {
            Some(s) => s,
            None => {
                // A directory made here is made private; one found is used only if it is private.
                let dir = path.parent()?;
                if !dir.exists() {
                    std::fs::create_dir_all(dir).ok()?;
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).ok()?;
                }
                if !private_dir(dir) {
                    return None;
                }
                start_server(&path)?;
                let deadline = Instant::now() + Duration::from_secs(10);
                loop {
                    if let Some(s) = connect(&path) {
                        break s;
                    }
                    if Instant::now() > deadline {
                        return None;
                    }
                    sleep(Duration::from_millis(5));
                }
            }
        };
        stream.write_all(&request(args)?).ok()?;
        let mut printed = false;
        loop {
            let mut head = [0u8; 5];
            if stream.read_exact(&mut head).is_err() {
                // The server went away: start over directly, unless part of the answer is out already.
                if printed {
                    eprintln!("bootlab-asm: the resident assembler stopped during this file");
                    return Some(1);
                }
                return None;
            }
            let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut body = vec![0u8; len];
            if stream.read_exact(&mut body).is_err() {
                eprintln!("bootlab-asm: the resident assembler stopped during this file");
                return Some(1);
            }
            match head[0] {
                b'1' => {
                    printed = true;
                    let _ = io::stdout().write_all(&body);
                }
                b'2' => {
                    printed = true;
                    let _ = io::stderr().write_all(&body);
                }
                b'x' => {
                    let _ = io::stdout().flush();
                    return Some(std::str::from_utf8(&body).ok()?.parse().unwrap_or(1));
                }
                _ => {
                    eprintln!("bootlab-asm: unexpected answer from the resident assembler");
                    return Some(1);
                }
            }
        }
    }
}
