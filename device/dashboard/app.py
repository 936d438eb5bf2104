"""The dashboard web application: Starlette routes, server-rendered pages, SSE for live updates.

Starlette + uvicorn + Jinja2: a small, well-kept ASGI stack (the dashboard
process stays around 40 MB resident) in which Server-Sent Events and the
live view's MJPEG stream are plain async generators next to ordinary pages;
no build step, no JavaScript framework. Pages work without JavaScript except
the live ones.

Every route but the login page, the static files and the athlete screen
(its own secret link) needs a login: pages answer 401 with the login form,
data routes (``/api/...``, streams, downloads) 401 JSON, changes without the
login's CSRF token 403.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import quote, urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import auth
from .clinic import CHECK_LABELS, CHECK_NAMES, ClinicDB, ClinicError, Patient
from ..report import NEAR_LIMIT_DEG
from .history import History, Session, default_period, parse_day, trend, verdict_colour
from .livehub import LiveHub, athlete_view
from .plots import rep_inclination_chart, rep_rounding_chart, to_svg, trend_good_chart, trend_rounding_chart

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
COOKIE = "wh_session"
PRE_COOKIE = "wh_prelogin"

VERDICT_WORDS = {"good": "good", "rounded": "rounded", "shallow": "shallow", "knee_lock": "knee lock",
                 "heel_lift": "heel lift", "too_fast": "too fast", "unchecked": "unchecked", "squat": "squat"}


@dataclass
class Login:
    user_id: int
    name: str
    csrf: str
    token_hash: str


@dataclass
class Settings:
    place: str  # clinic | gym | home
    clinic_db: Path
    session_log: Path
    socket: Path
    session_hours: float = 12.0
    rounding_deg: float = 10.0  # the station's default threshold, for charts without a prescription


class Dashboard:
    """The application state shared by the routes."""

    def __init__(self, s: Settings, *, hub: Optional[LiveHub] = None, limiter: Optional[auth.RateLimiter] = None):
        self.s = s
        self.db = ClinicDB(s.clinic_db)
        self.history = History(s.session_log)
        self.hub = hub or LiveHub(s.socket)
        self.limiter = limiter or auth.RateLimiter()
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
        self.env.globals.update(verdict_words=VERDICT_WORDS, colour=verdict_colour, place=s.place,
                                clinic=s.place == "clinic", check_labels=CHECK_LABELS, check_names=CHECK_NAMES)
        self.env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"
        self.env.filters["deg"] = lambda v: "–" if v is None else f"{v:.1f}°"
        self.env.filters["num"] = lambda v, nd=1: "–" if v is None else f"{v:.{nd}f}"

    # ---- rendering

    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        login: Optional[Login] = getattr(request.state, "login", None)
        html = self.env.get_template(name).render(request=request, login=login, csrf=login.csrf if login else "",
                                                  log_problem=self.history.problem if login else None, **ctx)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def login_page(self, request: Request, status: int = 200, error: str = "", next_url: str = "/") -> HTMLResponse:
        pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(16)
        resp = self.page(request, "login.html", status, error=error, next_url=next_url, pre=pre)
        resp.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path="/login")
        return resp

    # ---- logins

    def current(self, request: Request) -> Optional[Login]:
        tok = request.cookies.get(COOKIE)
        if not tok:
            return None
        th = auth.token_hash(tok)
        row = self.db.login(th)
        return Login(row["user_id"], row["name"], row["csrf"], th) if row else None

    def patient_of(self, who: str) -> Optional[Patient]:
        if who.startswith("p") and who[1:].isdigit():
            try:
                return self.db.patient(int(who[1:]))
            except ClinicError:
                return None
        return None


# ------------------------------------------------------------------ guards

Handler = Callable[[Request], Awaitable[Response]]


def _same_origin(request: Request) -> bool:
    """A change must come from our own pages: an Origin (or Referer) naming another host is refused."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlparse(origin).netloc == request.headers.get("host", "")


def page(fn: Handler) -> Handler:
    """An HTML page that needs a login: 401 with the login form otherwise."""

    async def wrapper(request: Request) -> Response:
        d: Dashboard = request.app.state.dash
        login = d.current(request)
        if login is None:
            return d.login_page(request, 401, next_url=request.url.path)
        request.state.login = login
        return await fn(request)

    return wrapper


def data(fn: Handler) -> Handler:
    """Data (JSON, streams, downloads) that needs a login: 401 otherwise."""

    async def wrapper(request: Request) -> Response:
        d: Dashboard = request.app.state.dash
        login = d.current(request)
        if login is None:
            return JSONResponse({"error": "log in first"}, status_code=401)
        request.state.login = login
        return await fn(request)

    return wrapper


def change(fn: Handler) -> Handler:
    """A change: a login (401), our own origin and the login's CSRF token (403)."""

    async def wrapper(request: Request) -> Response:
        d: Dashboard = request.app.state.dash
        login = d.current(request)
        if login is None:
            return JSONResponse({"error": "log in first"}, status_code=401)
        if not _same_origin(request):
            return JSONResponse({"error": "refused: the request did not come from this dashboard"}, status_code=403)
        form = None
        given = request.headers.get("x-csrf-token")
        if given is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            given = form.get("csrf")  # type: ignore[assignment]
        if not auth.csrf_ok(login.csrf, given):
            return JSONResponse({"error": "refused: missing or wrong CSRF token; reload the page and try again"},
                                status_code=403)
        request.state.login = login
        request.state.form = form
        return await fn(request)

    return wrapper


def clinic_only(fn: Handler) -> Handler:
    async def wrapper(request: Request) -> Response:
        d: Dashboard = request.app.state.dash
        if d.s.place != "clinic":
            return d.page(request, "message.html", 404, title="No patients here",
                          message=f"This station is set up as a {d.s.place} station: sets are "
                                  + ("anonymous." if d.s.place == "gym" else "its one user's."))
        return await fn(request)

    return wrapper


def _pid(request: Request) -> int:
    try:
        return int(request.path_params["pid"])
    except ValueError:
        return -1


# ------------------------------------------------------------------ login


async def login_get(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    if d.current(request):
        return RedirectResponse("/", 303)
    return d.login_page(request, next_url=request.query_params.get("next", "/"))


async def login_post(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    form = await request.form()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    next_url = str(form.get("next", "/"))
    if not next_url.startswith("/") or next_url.startswith(("//", "/\\")):
        next_url = "/"  # only our own pages: never an open redirect
    pre = request.cookies.get(PRE_COOKIE)
    if not _same_origin(request) or not auth.csrf_ok(pre, str(form.get("pre", ""))):
        return d.login_page(request, 403, "The login form expired; please try again.", next_url)
    client = request.client.host if request.client else "?"
    keys = (f"ip:{client}", f"user:{name.lower()}")
    wait = d.limiter.retry_after(*keys)
    if wait > 0:
        resp = d.login_page(request, 429, f"Too many failed logins. Try again in {int(wait // 60) + 1} minutes.",
                            next_url)
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    user = d.db.user_by_name(name)
    if user is None:
        await run_in_threadpool(auth.dummy_verify, password)
        ok = False
    else:
        ok = await run_in_threadpool(auth.verify_password, password, user["pw_hash"])
    if not ok:
        d.limiter.failed(*keys)
        log.warning("failed login for %r from %s", name, client)
        return d.login_page(request, 401, "Wrong user name or password.", next_url)
    d.limiter.succeeded(*keys)
    token = auth.new_token()
    d.db.add_login(auth.token_hash(token), user["id"], secrets.token_urlsafe(32), time.time() + d.s.session_hours * 3600)
    resp = RedirectResponse(next_url, 303)
    resp.set_cookie(COOKIE, token, max_age=int(d.s.session_hours * 3600), httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path="/")
    resp.delete_cookie(PRE_COOKIE, path="/login")
    return resp


@change
async def logout(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    d.db.drop_login(request.state.login.token_hash)
    resp = RedirectResponse("/login", 303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# ------------------------------------------------------------------ pages


@page
async def home(request: Request) -> Response:
    return RedirectResponse("/live", 303)


@page
async def live_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    patients = d.db.patients() if d.s.place == "clinic" else []
    token = d.db.athlete_token()
    return d.page(request, "live.html", patients=patients, athlete_url=f"/athlete/{token}",
                  connected=d.hub.connected)


@page
@clinic_only
async def patients_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    return _patients(d, request)


def _patients(d: "Dashboard", request: Request, status: int = 200, error: str = "") -> Response:
    archived = request.query_params.get("archived") == "1"
    rows = []
    since = default_period()[0].isoformat()
    for p in d.db.patients(archived=archived):
        sessions = d.history.sessions(label=p.label, day_from=since)
        rows.append((p, d.db.prescription(p.id), sessions[0] if sessions else None, len(sessions)))
    return d.page(request, "patients.html", status, rows=rows, archived=archived, error=error)


@change
@clinic_only
async def patient_create(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    f = request.state.form or await request.form()
    try:
        pid = d.db.add_patient(str(f.get("code", "")), str(f.get("notes", "")))
    except ClinicError as e:
        return _patients(d, request, 400, str(e))
    return RedirectResponse(f"/patients/{pid}", 303)


def _period(request: Request) -> tuple[date, date]:
    lo, hi = default_period()
    a = parse_day(request.query_params.get("from"), lo)
    b = parse_day(request.query_params.get("to"), hi)
    return (a, b) if a <= b else (b, a)


def _patient_ctx(d: "Dashboard", request: Request, p: Patient) -> dict:
    lo, hi = _period(request)
    sessions = d.history.sessions(label=p.label, day_from=lo.isoformat(), day_to=hi.isoformat())
    rx = d.db.prescription(p.id)
    tr = trend(sessions, lo, hi, rx.days_per_week if rx else None, rx.since if rx else None)
    threshold = rx.rounding_deg if rx else d.s.rounding_deg
    charts = [to_svg(trend_good_chart(tr.days, tr.good_share)),
              to_svg(trend_rounding_chart(tr.days, tr.rounding, threshold))] if sessions else []
    return dict(patient=p, rx=rx, history=d.db.prescriptions(p.id), sessions=sessions, trend=tr, charts=charts,
                day_from=lo.isoformat(), day_to=hi.isoformat())


@page
@clinic_only
async def patient_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    try:
        p = d.db.patient(_pid(request))
        ctx = _patient_ctx(d, request, p)
    except ClinicError as e:
        return d.page(request, "message.html", 404, title="Not found", message=str(e))
    except ValueError as e:
        return d.page(request, "message.html", 400, title="Bad dates", message=str(e))
    return d.page(request, "patient.html", **ctx)


async def _patient_error(d: "Dashboard", request: Request, pid: int, error: str) -> Response:
    try:
        p = d.db.patient(pid)
    except ClinicError as e:
        return d.page(request, "message.html", 404, title="Not found", message=str(e))
    return d.page(request, "patient.html", 400, error=error, **_patient_ctx(d, request, p))


@change
@clinic_only
async def patient_edit(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    f = request.state.form or await request.form()
    pid = _pid(request)
    try:
        if f.get("action") == "archive":
            d.db.archive_patient(pid, True)
        elif f.get("action") == "restore":
            d.db.archive_patient(pid, False)
        else:
            d.db.update_patient(pid, str(f.get("code", "")), str(f.get("notes", "")))
    except ClinicError as e:
        return await _patient_error(d, request, pid, str(e))
    return RedirectResponse(f"/patients/{pid}", 303)


def _num(f, key: str, kind=float):
    v = str(f.get(key, "")).strip()
    try:
        return kind(v)
    except ValueError:
        raise ClinicError(f"{key.replace('_', ' ')} must be a number, not {v!r}") from None


@change
@clinic_only
async def prescribe(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    f = request.state.form or await request.form()
    pid = _pid(request)
    try:
        d.db.prescribe(pid, sets=_num(f, "sets", int), reps=_num(f, "reps", int),
                       days_per_week=_num(f, "days_per_week", int),
                       checks={k: f.get(f"check_{k}") == "on" for k in CHECK_NAMES},
                       min_rep_s=_num(f, "min_rep_s"), rounding_deg=_num(f, "rounding_deg"),
                       note=str(f.get("note", "")))
    except ClinicError as e:
        return await _patient_error(d, request, pid, str(e))
    return RedirectResponse(f"/patients/{pid}#prescription", 303)


@change
@clinic_only
async def select_on_station(request: Request) -> Response:
    """Select the patient on the station: its next sets carry the patient's label and dose."""
    d: Dashboard = request.app.state.dash
    pid = _pid(request)
    try:
        p = d.db.patient(pid)
    except ClinicError as e:
        return d.page(request, "message.html", 404, title="Not found", message=str(e))
    sent = await d.hub.command({"cmd": "patient", "value": p.id})
    rx = d.db.prescription(pid)
    if sent and rx is not None:
        sent = await d.hub.command({"prescription": rx.for_station()})
    if not sent:
        return await _patient_error(d, request, pid, "The station is not connected; is it running?")
    return RedirectResponse("/live", 303)


@change
async def new_athlete_link(request: Request) -> Response:
    """A new secret for the athlete screen's link; screens on the old link stop updating."""
    d: Dashboard = request.app.state.dash
    d.db.set_setting("athlete_token", secrets.token_urlsafe(12))
    return RedirectResponse("/live", 303)


@page
async def sessions_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    try:
        lo, hi = _period(request)
    except ValueError as e:
        return d.page(request, "message.html", 400, title="Bad dates", message=str(e))
    sessions = d.history.sessions(day_from=lo.isoformat(), day_to=hi.isoformat())
    names = {f"p{p.id}": p.code for p in d.db.patients()} | {f"p{p.id}": p.code for p in d.db.patients(True)}
    return d.page(request, "sessions.html", sessions=sessions, names=names, day_from=lo.isoformat(),
                  day_to=hi.isoformat())


@page
async def session_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    day, who = request.path_params["day"], request.path_params["who"]
    try:
        parse_day(day, date.today())
    except ValueError as e:
        return d.page(request, "message.html", 400, title="Bad date", message=str(e))
    patient = d.patient_of(who)
    if who != "anonymous" and patient is None:
        return d.page(request, "message.html", 404, title="Not found", message=f"no patient {who[1:]}")
    found = d.history.sessions(label=patient.label if patient else None, anonymous=patient is None,
                               day_from=day, day_to=day)
    if not found:
        return d.page(request, "message.html", 404, title="Not found", message=f"no sets on {day}")
    s: Session = found[0]
    rx = d.db.prescription(patient.id) if patient else None
    threshold = rx.rounding_deg if rx else d.s.rounding_deg
    charts = [to_svg(rep_rounding_chart(s.reps, threshold)), to_svg(rep_inclination_chart(s.reps))]
    return d.page(request, "session.html", s=s, patient=patient, charts=charts, near_limit_deg=NEAR_LIMIT_DEG)


# ------------------------------------------------------------------ data


@data
async def api_sessions(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    try:
        lo, hi = _period(request)
    except ValueError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    out = []
    for s in d.history.sessions(day_from=lo.isoformat(), day_to=hi.isoformat()):
        out.append({"day": s.day, "who": s.who, "sets": [
            {"id": st.id, "started_at": st.started_at, "ended_at": st.ended_at, "counted": st.counted,
             "reps": st.reps} for st in s.sets]})
    return JSONResponse({"sessions": out})


@data
async def api_state(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    return JSONResponse(d.hub.snapshot())


@data
async def live_events(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    return _sse(d.hub, d.hub.snapshot(), lambda m: m)


@data
async def live_video(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    hub = d.hub

    async def frames():
        hub_viewer(hub, +1)
        try:
            seq = 0
            while True:
                f = await hub.next_frame(seq)
                if f is None:
                    continue
                seq, jpeg = f
                yield (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + str(len(jpeg)).encode()
                       + b"\r\n\r\n" + jpeg + b"\r\n")
        finally:
            hub_viewer(hub, -1)

    return StreamingResponse(frames(), media_type="multipart/x-mixed-replace; boundary=frame",
                             headers={"Cache-Control": "no-store"})


def hub_viewer(hub: LiveHub, delta: int) -> None:
    # Scheduled, not awaited: this runs in a generator's finally while it is cancelled.
    try:
        asyncio.get_running_loop().create_task(hub.viewer(delta))
    except RuntimeError:
        pass


@change
async def live_command(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return JSONResponse({"error": "send JSON such as {\"cmd\": \"start\"}"}, status_code=400)
    from ..control import CommandError, parse_command

    try:
        cmd = parse_command(str(body.get("cmd", "")), json.dumps(body.get("value")) if "value" in body else "")
    except CommandError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    if cmd.name == "patient" and d.s.place != "clinic":
        return JSONResponse({"error": f"a {d.s.place} station has no patients"}, status_code=400)
    sent = await d.hub.command({"cmd": cmd.name, "value": cmd.value})
    if sent and cmd.name == "patient" and cmd.value is not None:
        try:
            rx = d.db.prescription(int(cmd.value))
        except ClinicError:
            rx = None
        if rx is not None:  # the patient's dose comes with them
            sent = await d.hub.command({"prescription": rx.for_station()})
    if not sent:
        return JSONResponse({"error": "the station is not connected"}, status_code=503)
    return JSONResponse({"ok": True}, status_code=202)


@data
@clinic_only
async def report_pdf(request: Request) -> Response:
    return await _report(request, "pdf")


@data
@clinic_only
async def report_csv(request: Request) -> Response:
    return await _report(request, "csv")


async def _report(request: Request, kind: str) -> Response:
    from .report import csv_report, pdf_report

    d: Dashboard = request.app.state.dash
    try:
        p = d.db.patient(_pid(request))
        lo, hi = _period(request)
    except (ClinicError, ValueError) as e:
        return JSONResponse({"error": str(e)}, status_code=404 if isinstance(e, ClinicError) else 400)
    sessions = d.history.sessions(label=p.label, day_from=lo.isoformat(), day_to=hi.isoformat())
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in p.code)[:40] or f"patient{p.id}"
    name = f"wallhinge-{safe}-{lo}-{hi}.{kind}"
    headers = {"Content-Disposition": f"attachment; filename=\"{name}\"", "Cache-Control": "no-store"}
    if kind == "csv":
        return Response(csv_report(p, sessions), media_type="text/csv; charset=utf-8", headers=headers)
    rx = d.db.prescription(p.id)
    tr = trend(sessions, lo, hi, rx.days_per_week if rx else None, rx.since if rx else None)
    pdf = await run_in_threadpool(pdf_report, p, rx, sessions, tr, lo, hi)
    return Response(pdf, media_type="application/pdf", headers=headers)


# ------------------------------------------------------------------ athlete screen


def _athlete_ok(request: Request) -> bool:
    d: Dashboard = request.app.state.dash
    return secrets.compare_digest(request.path_params["token"], d.db.athlete_token())


async def athlete_page(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    if not _athlete_ok(request):
        return HTMLResponse("Not found", 404)
    html = d.env.get_template("athlete.html").render(token=request.path_params["token"])
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _athlete_snapshot(hub: LiveHub) -> dict:
    st = athlete_view("state", hub.state) or {}
    return {**st, "type": "state", "connected": hub.connected}


async def athlete_state(request: Request) -> Response:
    """Polling fallback for browsers without EventSource."""
    d: Dashboard = request.app.state.dash
    if not _athlete_ok(request):
        return JSONResponse({"error": "not found"}, status_code=404)
    last = list(d.hub.reps)[-1:] or [None]
    rep = athlete_view("rep", last[0]) if last[0] else None
    return JSONResponse({"state": _athlete_snapshot(d.hub), "rep": rep}, headers={"Cache-Control": "no-store"})


async def athlete_events(request: Request) -> Response:
    d: Dashboard = request.app.state.dash
    if not _athlete_ok(request):
        return JSONResponse({"error": "not found"}, status_code=404)

    def only(m: dict) -> Optional[dict]:
        kind = m.get("type")
        if kind == "connection":
            return {"type": "connection", "connected": m.get("connected")}
        return athlete_view(kind, m) if kind in ("state", "rep") else None

    return _sse(d.hub, _athlete_snapshot(d.hub), only)


def _sse(hub: LiveHub, first: dict, transform: Callable[[dict], Optional[dict]]) -> StreamingResponse:
    q = hub.subscribe()

    async def gen():
        try:
            yield f"retry: 2000\ndata: {json.dumps(first)}\n\n"
            while True:
                try:
                    msg = await asyncio.wait_for(q.get(), 15)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                out = transform(msg)
                if out is not None:
                    yield f"data: {json.dumps(out)}\n\n"
        finally:
            hub.unsubscribe(q)

    return StreamingResponse(gen(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# ------------------------------------------------------------------ the app

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
}


class SecurityHeaders:
    """Pure ASGI middleware (does not buffer, so SSE and MJPEG stream through)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.lower().encode() not in have]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, *, hub: Optional[LiveHub] = None,
               limiter: Optional[auth.RateLimiter] = None) -> Starlette:
    dash = Dashboard(settings, hub=hub, limiter=limiter)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        await dash.hub.start()
        try:
            yield
        finally:
            await dash.hub.stop()

    routes = [
        Route("/", home),
        Route("/login", login_get, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/live", live_page),
        Route("/live/events", live_events),
        Route("/live/video.mjpg", live_video),
        Route("/live/command", live_command, methods=["POST"]),
        Route("/patients", patients_page, methods=["GET"]),
        Route("/patients", patient_create, methods=["POST"]),
        Route("/patients/{pid}", patient_page, methods=["GET"]),
        Route("/patients/{pid}", patient_edit, methods=["POST"]),
        Route("/patients/{pid}/prescription", prescribe, methods=["POST"]),
        Route("/patients/{pid}/select", select_on_station, methods=["POST"]),
        Route("/patients/{pid}/report.pdf", report_pdf),
        Route("/patients/{pid}/report.csv", report_csv),
        Route("/sessions", sessions_page),
        Route("/sessions/{day}/{who}", session_page),
        Route("/api/sessions", api_sessions),
        Route("/api/state", api_state),
        Route("/athlete-link", new_athlete_link, methods=["POST"]),
        Route("/athlete/{token}", athlete_page),
        Route("/athlete/{token}/state", athlete_state),
        Route("/athlete/{token}/events", athlete_events),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.dash = dash
    app.add_middleware(SecurityHeaders)
    return app


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url)}"
