#!/usr/bin/python3
"""Drives hort serve's dashboard in headless Chromium (WebDriver, Selenium)
and checks what the page renders, for dashboard_browser.sh.

  dashboard_browser.py ok|failing URL SCREENS_DIR WORK

ok:      every entry OK, the summary says all is within the RPO, one section
         per service; the nav links are reached with Tab and Enter opens a
         view; every table header cell has a scope; light and dark theme.
failing: the failing service and entry first, the summary names them, the
         dump's stderr in the entry's error cell; a backup under "Running
         now" whose counts move from one poll to the next; the overdue
         restore test first with OVERDUE; at 390 px no horizontal scrolling
         of the document and the summary in view.
Both:    no request to any host but hort's, no console error; screenshots
         SCREENS_DIR/<state>-<theme>.png.
"""
import base64, json, os, sys, urllib.error, urllib.parse, urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

PHASE, URL, SCREENS, WORK = sys.argv[1:5]
ORIGIN = urllib.parse.urlsplit(URL).netloc  # 127.0.0.1:PORT, the only host the page may talk to
WIDE, NARROW = (1280, 900), 390
DARK_BG = "rgb(21, 24, 28)"  # app.css --bg under prefers-color-scheme: dark
LIGHT_BG = "rgb(255, 255, 255)"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def note(msg):
    print("--- " + msg, flush=True)


def start_browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    # As root Chromium's sandbox cannot start; no GPU in a container.
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=%d,%d" % WIDE, "--lang=en-US", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-default-apps", "--user-data-dir=" + os.path.join(WORK, "chromium-" + PHASE)]:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service("/usr/bin/chromedriver", log_path=os.path.join(WORK, "chromedriver-" + PHASE + ".log"))
    return webdriver.Chrome(service=service, options=o)


d = start_browser()
requests, console = [], []


def drain_logs():
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        url = m["params"]["request"]["url"] if m["method"] == "Network.requestWillBeSent" else \
            m["params"]["url"] if m["method"] == "Network.webSocketCreated" else None
        # What Chromium's own start tab (chrome://new-tab-page…) loads before the first get of hort's
        # page is not the page's; from that get on, every request counts.
        if url == URL + "/" or (url and requests):
            requests.append(url)
    console.extend(e for e in d.get_log("browser") if e["level"] == "SEVERE")


def wait(what, fn, timeout=15):
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.2,
                             ignored_exceptions=[StaleElementReferenceException]).until(lambda _: fn())
    except TimeoutException:
        drain_logs()
        for e in console:
            print("console: " + e["message"], file=sys.stderr)
        fail("timed out after %d s waiting for %s; #main: %s" % (timeout, what, js("return document.getElementById('main').innerText")[:2000]))


def js(script, *args):
    return d.execute_script(script, *args)


def theme(name):
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": name}]})
    want = DARK_BG if name == "dark" else LIGHT_BG
    wait(name + " theme", lambda: js("return getComputedStyle(document.body).backgroundColor") == want)


def screenshot(state, name):
    js("document.activeElement && document.activeElement.blur()")  # no focus ring left by a check
    png = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
    path = os.path.join(SCREENS, "%s-%s.png" % (state, name))
    with open(path, "wb") as f:
        f.write(base64.b64decode(png))
    check(os.path.getsize(path) > 2000, "screenshot %s is empty" % path)


def view(hash_, ready_css):
    """Opens #hash_ and waits for its first render (an element matching ready_css)."""
    js("location.hash = arguments[0]", hash_)
    wait("#" + hash_, lambda: d.find_elements(By.CSS_SELECTOR, ready_css))


def updated():
    return js("return document.getElementById('updated').innerText")


def next_poll():
    """Waits for the page's next poll (every 5 s) to re-render."""
    before = updated()
    wait("the next poll", lambda: updated() != before and updated().startswith("updated "), 12)


# Shown as WebDriver's is_displayed() means it: rendered, visible, not transparent, not empty.
SHOWN_JS = """const shown = e => !!e && e.checkVisibility({visibilityProperty: true, opacityProperty: true}) &&
  e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;"""


def overview():
    """The overview as one read inside the page: each poll re-renders #main, so element references
    taken across several WebDriver calls can go stale (or mix two renders) between the calls."""
    o = js(SHOWN_JS + """const badges = e => [...e.querySelectorAll('.badge')].map(b => b.innerText);
      const s = document.getElementById('summary');
      if (!s) return null;  // a failed poll shows its error instead of the overview
      return {summary: {text: s.innerText, classes: [...s.classList]},
        jobs: [...document.querySelectorAll('tr[data-job]')].map(r => [r.dataset.job, badges(r)]),
        running: !!document.evaluate("//h2[text()='Running now']", document, null, 9, null).singleNodeValue,
        sections: [...document.querySelectorAll('section[data-service]')].map(sec => {
          const h = sec.querySelector('h2');
          return {service: sec.dataset.service, heading: h.innerText, badges: badges(h),
            rows: [...sec.querySelectorAll('tr[data-job]')].map(r => {
              const err = r.querySelector('pre.err');
              return {job: r.dataset.job, badges: badges(r),
                      err: err && {shown: shown(err), text: err.innerText}}; })}; })}""")
    check(o is not None, "no overview: #main shows %r" % js("return document.getElementById('main').innerText")[:500])
    return o


def check_tables():
    """Every table has a header row whose cells name their scope; no td in the head."""
    bad = js("""return [...document.querySelectorAll('#main table')].filter(t =>
        !t.tHead || !t.tHead.rows.length || t.tHead.querySelector('td') ||
        [...t.querySelectorAll('th')].some(th => !['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope'))))
      .map(t => t.outerHTML.slice(0, 200))""")
    check(js("return document.querySelectorAll('#main table').length") > 0, "no table in " + d.current_url)
    check(not bad, "tables without a header row or th without scope: %s" % bad)


def check_bar(job):
    """The age bar's fill: a width from the API's rpo_fraction and a health colour (CSS, not inline markup)."""
    info = js("""const s = document.querySelector('tr[data-job="' + arguments[0] + '"] .bar > span');
      return s && {width: s.style.width, bg: getComputedStyle(s).backgroundColor,
                   ok: getComputedStyle(document.querySelector('.badge.OK')).backgroundColor}""", job)
    check(info is not None, "no age bar for " + job)
    check(info["width"].endswith("%"), "the age bar of %s has no width (%s): blocked by the page's CSP?" % (job, info))
    check(info["bg"] == info["ok"], "the age bar of %s is not the OK colour: %s" % (job, info))


def colour(health):
    """The background of a badge of that health, as the browser computes it."""
    return js("""const b = document.body.appendChild(document.createElement('span'));
      b.className = 'badge ' + arguments[0]; const c = getComputedStyle(b).backgroundColor; b.remove(); return c""", health)


def check_today(want):
    """History: each job's last day cell (today, on the right) links a run, in its result's colour, in view."""
    got = js("""return Object.fromEntries([...document.querySelectorAll('#main tbody tr')].map(r => {
        const a = r.querySelector('.days > :last-child'), box = a.getBoundingClientRect();
        return [r.cells[0].textContent, {link: a.tagName === 'A' && a.getAttribute('href').startsWith('#run/'),
          bg: getComputedStyle(a).backgroundColor, visible: box.width >= 3 && box.right <= innerWidth}]; }))""")
    for job, health in want.items():
        g = got.get(job)
        check(g and g["link"] and g["visible"] and g["bg"] == colour(health),
              "history of %s: today's cell %s, want a visible link in the %s colour %s" % (job, g, health, colour(health)))


def keyboard():
    """Tab from the top reaches the four nav links in order; Enter opens a view."""
    d.get(URL + "/")  # a fresh page: Tab starts at the top
    wait("the overview", lambda: d.find_elements(By.ID, "summary"))
    seen = []
    for _ in range(4):
        ActionChains(d).send_keys(Keys.TAB).perform()
        seen.append(js("const a = document.activeElement; return a.tagName + ' ' + (a.dataset.view || a.textContent)"))
    check(seen == ["A overview", "A tests", "A repos", "A history"], "Tab order of the nav: %s" % seen)
    # The focused link is visibly marked (outline from :focus-visible).
    outline = js("return getComputedStyle(document.activeElement).outlineStyle")
    check(outline not in ("none", ""), "the focused nav link has no outline: " + outline)
    ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    check(js("return document.activeElement.dataset.view") == "repos", "Shift+Tab from History")
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait("the repositories view after Enter", lambda: d.current_url.endswith("#repos") and
         d.find_elements(By.CSS_SELECTOR, "#main h2") and d.find_element(By.CSS_SELECTOR, "#main h2").text == "Repositories")
    check(js("return document.querySelector('nav a[data-view=repos]').getAttribute('aria-current')") == "page",
          "the open view's nav link is not aria-current=page")


def phase_ok():
    d.get(URL + "/")
    wait("the overview", lambda: d.find_elements(By.ID, "summary"))
    o = overview()
    s = o["summary"]
    check(s["text"].startswith("All ") and "within their RPO" in s["text"] and "no restore test is overdue" in s["text"],
          "summary after successes: " + s["text"])
    check("bad" not in s["classes"], "the summary is marked bad after successes")
    names = [x["service"] for x in o["sections"]]
    check(sorted(names) == ["app", "wiki"], "service sections: %s" % names)
    for sec in o["sections"]:
        name = sec["service"]
        check(sec["heading"].startswith(name + " ") and sec["badges"] == ["OK"], "section heading: " + sec["heading"])
        rows = sec["rows"]
        check(rows and all(r["job"].startswith(name + "/") for r in rows),
              "rows of %s: %s" % (name, [r["job"] for r in rows]))
        for r in rows:
            check(r["badges"] == ["OK"], "%s shows %s" % (r["job"], r["badges"]))
            check(r["err"] is None, "%s shows an error" % r["job"])
            check_bar(r["job"])
    check(not o["running"], "'Running now' with nothing running")
    check_tables()
    screenshot("ok", "light")
    theme("dark")
    screenshot("ok", "dark")
    theme("light")
    note("ok state: %d sections, every entry OK, %s" % (len(o["sections"]), s["text"]))
    keyboard()
    check_tables()
    note("keyboard: Tab reaches the nav links, Enter opens a view; tables have th scope")
    view("history", "#main .days")
    check_tables()
    check_today({"app/files/data": "OK", "wiki/files/pages": "OK"})
    screenshot("history", "light")
    note("history: today's run of each job in its result's colour")


def running_counts():
    """The running row's (done files, done bytes, total files, total bytes, ETA), read in one call."""
    cells = js("""const r = document.querySelector('tr[data-running="media/files/images"]');
      return r && ['files', 'bytes', 'eta'].map(c => r.querySelector('td.' + c).innerText)""")
    if not cells:
        return None
    # "done / total" once the scanner beside the backup has counted the paths.
    files, size = cells[0].split(" / "), cells[1].split(" / ")
    done = int(files[0]) if files[0].isdigit() else files[0]
    return done, size[0], files[1] if len(files) > 1 else None, size[1] if len(size) > 1 else None, cells[2]


def to_bytes(text):
    n, unit = text.split()
    return float(n) * 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].index(unit)


def phase_failing():
    d.get(URL + "/")
    wait("the media backup under Running now", lambda: running_counts() is not None, 30)
    check(js(SHOWN_JS + """return shown([...document.querySelectorAll('h2')].find(h => h.textContent === 'Running now'))"""),
          "'Running now' is not visible")
    # Two polls apart the finished files and bytes have grown: the page shows live progress.
    seen = []
    for _ in range(2):
        wait("counts on the running row", lambda: isinstance((running_counts() or [None])[0], int))
        seen.append(running_counts())
        next_poll()
    wait("counts on the running row", lambda: isinstance((running_counts() or [None])[0], int))
    seen.append(running_counts())
    for a, b in zip(seen, seen[1:]):
        check(b[0] > a[0] and to_bytes(b[1]) > to_bytes(a[1]), "running counts did not move between polls: %s" % seen)
    # The totals (2000 files of 64 MiB) and an ETA from the rate so far.
    last = seen[-1]
    check(last[2] == "2000" and last[3] == "125.0 GiB" and last[4] not in ("", "–"), "totals and ETA: %s" % (last,))
    o = overview()
    media = [badges for job, badges in o["jobs"] if job == "media/files/images"]
    check(media[:1] == [["RUNNING"]], "the running entry's status: %s" % media)
    note("running: media/files/images files, bytes over three polls: %s" % seen)
    screenshot("running", "light")

    first = o["sections"][0]
    check(first["service"] == "app", "first service: " + first["service"])
    check(first["badges"] == ["FAILED"], "app's heading badge: %s" % first["badges"])
    rows = first["rows"]
    check(rows[0]["job"] == "app/files/db", "first entry: " + rows[0]["job"])
    check(rows[0]["badges"] == ["FAILED"], "db shows %s" % rows[0]["badges"])
    check([r["badges"] for r in rows[1:]] == [["OK"]], "the rest of app: %s" % [r["badges"] for r in rows[1:]])
    s = o["summary"]
    check("app/files/db failed" in s["text"] and "test app-drill overdue" in s["text"] and "bad" in s["classes"],
          "summary: " + s["text"])
    err = rows[0]["err"]
    check(err and err["shown"] and "pg_dump: error: connection to server failed" in err["text"],
          "the dump's stderr is not in the error cell: %r" % err)
    note("failure: app first, db first in it, summary: " + s["text"])
    screenshot("failed", "light")
    theme("dark")
    screenshot("failed", "dark")
    theme("light")

    d.find_element(By.CSS_SELECTOR, "nav a[data-view=tests]").click()
    wait("the restore tests", lambda: d.find_elements(By.CSS_SELECTOR, "tr[data-test]"))
    order = [tuple(t) for t in js("""return [...document.querySelectorAll('tr[data-test]')].map(t =>
      [t.dataset.test, [...t.querySelectorAll('.badge')].map(b => b.innerText)])""")]
    check(order == [("app-drill", ["never", "OVERDUE"]), ("wiki-restore", ["success"])], "restore tests: %s" % order)
    check_tables()
    note("restore tests: %s" % order)
    screenshot("tests", "light")

    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": NARROW, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    for hash_, ready, name in [("overview", "#summary", "overview"), ("tests", "tr[data-test]", "tests"),
                               ("repos", "#main table", "repos"), ("history", "#main .days", "history")]:
        view(hash_, ready)
        m = js("""const e = document.documentElement;
          return {inner: innerWidth, scroll: e.scrollWidth, wide: [...document.querySelectorAll('body *')]
            .filter(x => !x.closest('.wrap') && x.getBoundingClientRect().right > arguments[0] + 0.5)
            .map(x => x.tagName + '.' + x.className).slice(0, 5)}""", NARROW)
        # A phone widens the layout viewport to wider content (innerWidth > 390) instead of scrolling.
        check(m["inner"] == NARROW and m["scroll"] <= NARROW and not m["wide"],
              "%s on a %d px phone: layout viewport %s px, document %s px wide; past %d px: %s" %
              (name, NARROW, m["inner"], m["scroll"], NARROW, m["wide"]))
        screenshot("mobile-" + name, "light")
        if name == "history":
            check_today({"app/files/data": "OK", "app/files/db": "FAILED", "wiki/files/pages": "OK"})
    view("overview", "#summary")
    r = js(SHOWN_JS + """const s = document.getElementById('summary'), r = s.getBoundingClientRect();
      return [r.left, r.right, r.top, r.bottom, shown(s)]""")
    check(r[4] and r[0] >= 0 and r[1] <= NARROW and r[3] <= 844, "the summary at 390 px: %s" % r)
    theme("dark")
    screenshot("mobile-overview", "dark")
    note("390 px: no horizontal overflow of the document; the summary in view")


try:
    {"ok": phase_ok, "failing": phase_failing}[PHASE]()
    drain_logs()
finally:
    d.quit()

check(any(u.startswith(URL + "/api/v1/") for u in requests), "no API request in the performance log")
others = sorted({u for u in requests if not u.startswith((URL + "/", "data:"))})
check(not others, "the page requested more than %s: %s" % (ORIGIN, others))


errors = [e["message"] for e in console]
check(not errors, "console errors: %s" % errors)
note("%s: %d requests, all to %s; no console error" % (PHASE, len(requests), ORIGIN))
