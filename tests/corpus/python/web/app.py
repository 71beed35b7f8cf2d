import csv
import io
import json
import logging
import os
import pickle
import subprocess
import tempfile
from functools import wraps

import requests
import yaml
from flask import Flask, abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from markupsafe import escape
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from accounts.auth import verify_password
from db.repository import SessionLocal, User, UserRepository

logger = logging.getLogger(__name__)

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
login_manager = LoginManager(app)
login_manager.login_view = "login"

REPORTS_DIR = os.environ.get("REPORTS_DIR", "/var/lib/shop/reports")


@login_manager.user_loader
def load_user(user_id):  # expect: lane3 identity
    with SessionLocal() as db:
        return db.get(User, int(user_id))


def admin_required(view):  # expect: lane3 permission
    @wraps(view)
    def wrapped(*args, **kwargs):  # expect: lane3 permission
        if not current_user.is_authenticated or not getattr(current_user, "is_admin", False):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@app.route("/login", methods=["GET", "POST"])
def login():  # expect: lane3 identity
    if request.method == "POST":
        with SessionLocal() as db:
            user = UserRepository(db).get_by_email(request.form["email"])
            if user and verify_password(request.form["password"], user.password_hash):
                login_user(user, remember=bool(request.form.get("remember")))
                session["cart_id"] = session.get("cart_id")
                return redirect(request.args.get("next") or url_for("dashboard"))
        return render_template("login.html", error="Wrong email or password"), 401
    return render_template("login.html")


@app.route("/logout")
@login_required
def logout():  # expect: lane3 identity
    logout_user()
    session.clear()
    return redirect(url_for("login"))


@app.route("/dashboard")
@login_required
def dashboard():  # expect: lane3 permission
    return render_template("dashboard.html", user=current_user)


@app.route("/cart/theme", methods=["POST"])
def set_theme():  # expect: lane2
    # Session here is only used for a UI preference, not for authentication.
    theme = request.form.get("theme", "light")
    if theme not in {"light", "dark", "high-contrast"}:
        abort(400)
    session["theme"] = theme
    return redirect(request.referrer or url_for("dashboard"))


@app.route("/admin/run-backup", methods=["POST"])
@admin_required
def run_backup():  # expect: lane3 security
    target = request.form.get("target", "nightly")
    result = subprocess.run(
        f"/usr/local/bin/backup.sh --target {target}",
        shell=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return jsonify({"returncode": result.returncode, "stderr": result.stderr[-2000:]})


@app.route("/admin/import-settings", methods=["POST"])
@admin_required
def import_settings():  # expect: lane3 security
    raw = request.files["settings"].read()
    settings = yaml.load(raw, Loader=yaml.Loader)
    app.config.update(settings.get("shop", {}))
    return jsonify({"updated": sorted(settings.get("shop", {}))})


@app.route("/widgets/restore", methods=["POST"])
@login_required
def restore_widget_state():  # expect: lane3 security
    state = pickle.loads(request.get_data())
    session["widgets"] = state.get("widgets", [])
    return jsonify({"ok": True})


@app.route("/api/preferences", methods=["POST"])
def save_preferences():  # expect: lane2
    try:
        prefs = json.loads(request.data or b"{}")
    except json.JSONDecodeError:
        abort(400)
    allowed = {"currency", "language", "page_size"}
    cleaned = {k: v for k, v in prefs.items() if k in allowed}
    if "page_size" in cleaned:
        cleaned["page_size"] = max(10, min(int(cleaned["page_size"]), 100))
    return jsonify(cleaned)


def build_http_session(retries: int = 3) -> requests.Session:  # expect: lane2
    http = requests.Session()
    retry = Retry(total=retries, backoff_factor=0.5, status_forcelist=(502, 503, 504))
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.headers.update({"User-Agent": "shop-web/1.4", "Accept": "application/json"})
    return http


def fetch_carrier_status(tracking_number: str) -> dict:  # expect: lane2
    resp = build_http_session().get(
        "https://tracking.example-carrier.com/v1/status",
        params={"tracking": tracking_number},
        timeout=8,
    )
    resp.raise_for_status()
    return resp.json()


def render_order_row(order) -> str:  # expect: lane1
    return "<tr><td>{id}</td><td>{status}</td><td>{total}</td></tr>".format(
        id=order.id,
        status=escape(order.status),
        total=escape(order.total),
    )


def build_monthly_report(db) -> str:  # expect: lane2
    rows = db.execute(
        "SELECT country, COUNT(*), SUM(total) FROM orders GROUP BY country"
    ).fetchall()
    fd, path = tempfile.mkstemp(suffix=".csv", dir=REPORTS_DIR)
    with os.fdopen(fd, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["country", "orders", "revenue"])
        writer.writerows(rows)
    logger.info("wrote monthly report to %s", path)
    return path


def write_sitemap(urls, path="static/sitemap.xml"):  # expect: lane2
    buf = io.StringIO()
    buf.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    buf.write('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
    for url in urls:
        buf.write("  <url><loc>{}</loc></url>\n".format(escape(url)))
    buf.write("</urlset>\n")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(buf.getvalue())
