"""A real WAF for the end-to-end tests: Debian's nginx with ModSecurity 3
(libnginx-mod-http-modsecurity) and the OWASP CRS (modsecurity-crs), in a
temporary directory, on 127.0.0.1:<free port>.

The ban rule is the article's:
    SecRule REMOTE_ADDR "@ipMatchFromFile <ban_file>" "id:1000,phase:1,deny,status:403,log"
ModSecurity reads the file only when the rules load, so a change needs a
reload; `wait_reloaded` waits until the old workers have gone, as they keep
answering for a while after one. Requests come from 127.0.0.1 and name the
client they stand for (a TEST-NET address: loopback ones are never banned)
in X-Real-IP, which nginx's realip module makes the remote address; with
`Host: localhost` (a numeric Host header trips CRS rule 920350)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import free_port

MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"
MODSEC_CONF = "/etc/nginx/modsecurity.conf"
UNICODE_MAP = "/etc/nginx/unicode.mapping"
CRS_SETUP = "/etc/modsecurity/crs/crs-setup.conf"
CRS_RULES = "/usr/share/modsecurity-crs/rules"


def missing():
    """What is missing for a real nginx + ModSecurity + CRS, or None."""
    if not shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin:/bin"):
        return "nginx is not installed (Debian package nginx)"
    for path, pkg in ((MODULE, "libnginx-mod-http-modsecurity"),
                      (MODSEC_CONF, "libnginx-mod-http-modsecurity"),
                      (CRS_SETUP, "modsecurity-crs"), (CRS_RULES, "modsecurity-crs")):
        if not os.path.exists(path):
            return f"{path} is missing (Debian package {pkg})"
    if not shutil.which("curl"):
        return "curl is not installed"
    return None


class WafFixture:
    """nginx + ModSecurity + CRS in `self.dir`; the ban file is
    `self.ban_file` (created empty)."""

    def __init__(self, base=None):
        self.dir = tempfile.mkdtemp(prefix="yg_waf_", dir=base)
        os.chmod(self.dir, 0o755)
        self.ban_file = os.path.join(self.dir, "banned_ips")
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.port = free_port()
        self.proc = None
        with open(self.ban_file, "w") as f:
            f.write("")
        self._write_config()

    # ---- configuration ----

    def _write_config(self):
        d = self.dir
        for sub in ("logs", "tmp", "html"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "html", "index.html"), "w") as f:
            f.write("hello from the shop\n")
        with open(MODSEC_CONF) as f:
            base = f.read().splitlines()
        out = []
        for line in base:
            s = line.strip()
            if s.startswith("SecRuleEngine"):
                line = "SecRuleEngine On"  # the packaged default is DetectionOnly
            elif s.startswith("SecUnicodeMapFile"):
                line = f"SecUnicodeMapFile {UNICODE_MAP} 20127"
            elif s.startswith("SecAuditLog "):
                line = f"SecAuditLog {d}/logs/modsec_audit.log"
            out.append(line)
        with open(os.path.join(d, "modsecurity.conf"), "w") as f:
            f.write("\n".join(out) + "\n")
        with open(os.path.join(d, "rules.conf"), "w") as f:
            f.write(f"Include {d}/modsecurity.conf\n"
                    f'SecRule REMOTE_ADDR "@ipMatchFromFile {self.ban_file}" '
                    '"id:1000,phase:1,deny,status:403,log"\n'
                    f"Include {CRS_SETUP}\n"
                    f"Include {CRS_RULES}/*.conf\n")
        user = "user root;\n" if os.geteuid() == 0 else ""
        tmp = f"{d}/tmp"
        with open(self.conf, "w") as f:
            f.write(f"""load_module {MODULE};
{user}worker_processes 1;
error_log {d}/logs/error.log;
pid {d}/logs/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {d}/logs/access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
        # The test clients connect from 127.0.0.1 and name the address they
        # stand for in X-Real-IP: loopback addresses are never banned.
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        root {d}/html;
        modsecurity on;
        modsecurity_rules_file {d}/rules.conf;
    }}
}}
""")

    def nginx_argv(self, *extra):
        """nginx with this fixture's prefix and configuration."""
        return [shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin:/bin"),
                "-p", self.dir, "-c", self.conf, *extra]

    def verify_argv(self):
        return self.nginx_argv("-t", "-q")

    def reload_argv(self):
        return self.nginx_argv("-s", "reload")

    # ---- life cycle ----

    def start(self, timeout=15):
        """Starts nginx in the foreground; waits until it answers."""
        self.proc = subprocess.Popen(self.nginx_argv("-g", "daemon off;"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + self.proc.stderr.read().decode(errors="replace"))
            if self.get("127.0.0.1") != 0 and self.workers():
                return
            time.sleep(0.05)
        raise RuntimeError("nginx did not answer in time")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def workers(self):
        """PIDs of the master's worker processes (from /proc)."""
        if not self.proc:
            return set()
        pids = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) > 1 and int(fields[1]) == self.proc.pid and fields[0] != "Z":
                pids.add(int(name))
        return pids

    def reload(self, timeout=10):
        """kill -HUP the master and wait for the new workers."""
        old = self.workers()
        self.proc.send_signal(signal.SIGHUP)
        return self.wait_reloaded(old, timeout)

    def wait_reloaded(self, old, timeout=10):
        """Waits until none of the `old` worker PIDs remain and a new worker
        runs; False on timeout (e.g. the reload failed and the old workers
        stayed)."""
        end = time.time() + timeout
        while time.time() < end:
            now = self.workers()
            if now and not (now & old):
                return True
            time.sleep(0.02)
        return False

    def get(self, from_ip, path="/"):
        """HTTP status of GET path sent from `from_ip` (0 when no answer)."""
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "--max-time", "5", "-H", "X-Real-IP: " + from_ip,
                            "-H", "Host: localhost",
                            f"http://127.0.0.1:{self.port}{path}"],
                           capture_output=True, text=True)
        try:
            return int(r.stdout.strip() or 0)
        except ValueError:
            return 0

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "logs", "error.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""
