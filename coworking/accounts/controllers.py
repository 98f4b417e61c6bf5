"""Account pages: register, confirm the address, sign in and out, reset, change the password, delete.

Plain HTML forms that POST and redirect (303) when they succeed; a refused form comes back (400) with
what was typed (never the passwords) and the message next to its field. Every POST is rate-limited
per address and per IP before any work is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coworking.accounts import services
from coworking.accounts.models import User
from coworking.accounts.permissions import Actor, Permission, session_cookie
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.mail import SmtpSettings, deliver_pending
from coworking.core.ratelimit import Limit, check
from coworking.core.security import CSRF_FORM
from coworking.core.vocabulary import N_
from coworking.core.web import Form, form_text, ip_of, page, public_url, request_translator, safe_next, set_cookie

# Sign-in guesses: 10 per address from one IP per 15 minutes; 50 per IP (a village's shared connection is
# one IP). Wrong passwords per account from anywhere are counted by the service (it reads the log) and
# allowed more (30 per 15 minutes): a stranger's guesses alone do not soon make the owner wait.
LOGIN_PER_ADDRESS = Limit("login-address-ip", 10, 15 * 60)
LOGIN_PER_IP = Limit("login-ip", 50, 15 * 60)
# Forms that send e-mail: few per address (each is a message in someone's inbox), more per IP.
MAIL_PER_ADDRESS = Limit("mail-address", 3, 60 * 60)
MAIL_PER_IP = Limit("mail-ip", 20, 60 * 60)
# Forms of a signed-in account that check the current password.
PASSWORD_PER_ACCOUNT = Limit("password-account", 10, 15 * 60)
ONE_DAY = 24 * 3600
PUBLIC_FORM = {"permission": Permission.ACCOUNT_SIGN_IN, CSRF_FORM: True}
OWN_ACCOUNT = {"permission": Permission.ACCOUNT_MANAGE, CSRF_FORM: True}


def _limit(request: Request, *limits: tuple[Limit, str]) -> None:
    check(request.app.state.rate_limiter, [(limit, key) for limit, key in limits])


def mailer_for(request: Request) -> services.Mailer:
    return services.Mailer(
        translator=request_translator(request),
        link=lambda path: public_url(request, path),
        locales=request.app.state.settings.locales,
    )


def mail_soon(request: Request, response: Redirect) -> Redirect:
    """Hand the queued mail to the SMTP server after the answer is sent (it waits in the outbox otherwise)."""
    settings = request.app.state.settings
    if settings.smtp_url:
        smtp = SmtpSettings.from_url(settings.smtp_url, settings.mail_from)
        response.background = BackgroundTask(deliver_pending, request.app.state.engine, smtp)
    return response


def _actor(request: Request) -> Actor:
    return request.state.actor


def _form_page(request: Request, template: str, values: dict[str, str], error: InvalidInput | None = None) -> Template:
    """The form again, with what was typed and the messages next to their fields."""
    return page(
        request,
        template,
        {"form": values, "errors": error.errors if error else {}},
        status_code=400 if error else 200,
    )


def _mail_form(request: Request, data: dict[str, Any], template: str, send: Callable[[str], None]) -> Template | Redirect:
    """A form that e-mails its address: limited per address and IP, then back with the error or on to
    "check your inbox" (the same page whether or not the address has an account)."""
    email = form_text(data, "email")
    _limit(request, (MAIL_PER_ADDRESS, services.email_key(email)), (MAIL_PER_IP, ip_of(request)))
    try:
        send(email)
    except InvalidInput as error:
        return _form_page(request, template, {"email": email}, error)
    return mail_soon(request, Redirect(path="/account/check-email", status_code=303))


def _link_expired(request: Request, error: InvalidInput) -> Template:
    return page(request, "accounts/link_expired.html", {"errors": error.errors}, status_code=400)


def _link_page(request: Request, db_session: DbSession, token: str, purpose: str, template: str) -> Template:
    """The page an e-mailed link opens (its form posts back to the same link), or "this link no longer works"."""
    try:
        services.check_token(db_session, token, purpose)
    except InvalidInput as error:
        return _link_expired(request, error)
    return _form_page(request, template, {"token": token})


def _follow_link(
    request: Request, token: str, template: str, limit: Limit, use: Callable[[], User], next_path: str
) -> Template | Redirect:
    """The form an e-mailed link opened, posted back: limited per IP; signed in when ``use`` takes the
    link, else the form again with the messages (or "this link no longer works")."""
    _limit(request, (limit, ip_of(request)))
    try:
        user = use()
    except InvalidInput as error:
        if "token" in error.errors:
            return _link_expired(request, error)
        return _form_page(request, template, {"token": token}, error)
    return start_session(request, user.id, next_path)


def _forget_session(request: Request, response: Redirect) -> None:
    """Expire the session cookie with the flags it was set with (a ``__Host-`` cookie needs Secure to go)."""
    set_cookie(request, response, session_cookie(request.app.state.settings), "", max_age=0)


def start_session(request: Request, user_id: int, next_path: str) -> Redirect:
    """A new session (the old one, if any, ends: the id changes at sign-in, ASVS 7.2.4) and its cookie."""
    store = request.app.state.sessions
    cookie = session_cookie(request.app.state.settings)
    if old := request.cookies.get(cookie):
        store.end(old)
    response = Redirect(path=safe_next(next_path), status_code=303)
    set_cookie(request, response, cookie, store.create(user_id), max_age=ONE_DAY * 30)
    return response


class AccountPages(Controller):
    path = "/account"
    include_in_schema = False
    opt = {"permission": Permission.ACCOUNT_SIGN_IN}

    @get("/register", name="register", opt=PUBLIC_FORM)
    async def register_form(self, request: Request) -> Template:
        return _form_page(request, "accounts/register.html", {"email": ""})

    @post("/register", opt=PUBLIC_FORM, sync_to_thread=True)
    def register(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        def register(email: str) -> None:
            password, again = form_text(data, "password"), form_text(data, "password_again")
            services.register(db_session, email, password, again, mailer_for(request), ip_of(request))

        return _mail_form(request, data, "accounts/register.html", register)

    @get("/check-email", opt={"permission": Permission.ACCOUNT_SIGN_IN})
    async def check_email(self, request: Request) -> Template:
        return page(request, "accounts/check_email.html", {})

    @get("/verify/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def verify_form(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        """The link shows a button: following a link (or a mail scanner prefetching it) changes nothing."""
        return _link_page(request, db_session, token, services.VERIFY, "accounts/verify.html")

    @post("/verify/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def verify(self, request: Request, db_session: DbSession, token: FromPath[str], data: Form) -> Template | Redirect:
        def verify() -> User:
            return services.verify_email(
                db_session, token, form_text(data, "password"), ip_of(request), request_translator(request).locale
            )

        return _follow_link(request, token, "accounts/verify.html", LOGIN_PER_IP, verify, "/account?verified=1")

    @get("/login", name="login", opt=PUBLIC_FORM)
    async def login_form(self, request: Request, next: FromQuery[str | None] = None) -> Template:  # noqa: A002
        return _form_page(request, "accounts/login.html", {"email": "", "next": safe_next(next)})

    @post("/login", opt=PUBLIC_FORM, sync_to_thread=True)
    def login(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        email, next_path = form_text(data, "email"), safe_next(form_text(data, "next"))
        ip = ip_of(request)
        _limit(request, (LOGIN_PER_ADDRESS, f"{services.email_key(email)} {ip}"), (LOGIN_PER_IP, ip))
        try:
            user = services.authenticate(db_session, email, form_text(data, "password"), ip, request_translator(request).locale)
        except InvalidInput as error:  # the right password, an address never confirmed
            return _form_page(request, "accounts/login.html", {"email": email, "next": next_path}, error)
        if user is None:
            error = InvalidInput({"password": N_("The e-mail address or the password is not right.")})
            return _form_page(request, "accounts/login.html", {"email": email, "next": next_path}, error)
        return start_session(request, user.id, next_path)

    @post("/logout", opt={"permission": Permission.ACCOUNT_SIGN_IN})
    async def logout(self, request: Request) -> Redirect:
        cookie = session_cookie(request.app.state.settings)
        if token := request.cookies.get(cookie):
            request.app.state.sessions.end(token)
        response = Redirect(path="/", status_code=303)
        _forget_session(request, response)
        return response

    @get("/reset", opt=PUBLIC_FORM)
    async def reset_request_form(self, request: Request) -> Template:
        return _form_page(request, "accounts/reset_request.html", {"email": ""})

    @post("/reset", opt=PUBLIC_FORM, sync_to_thread=True)
    def reset_request(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        def request_reset(email: str) -> None:
            services.request_reset(db_session, email, mailer_for(request), ip_of(request))

        return _mail_form(request, data, "accounts/reset_request.html", request_reset)

    @get("/reset/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def reset_form(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        return _link_page(request, db_session, token, services.RESET, "accounts/reset.html")

    @post("/reset/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def reset(self, request: Request, db_session: DbSession, token: FromPath[str], data: Form) -> Template | Redirect:
        def reset() -> User:
            password, again, sessions = form_text(data, "password"), form_text(data, "password_again"), request.app.state.sessions
            return services.reset_password(
                db_session, sessions, token, password, again, ip_of(request), request_translator(request).locale
            )

        return _follow_link(request, token, "accounts/reset.html", MAIL_PER_IP, reset, "/account?password=changed")

    @get("/", name="account", opt=OWN_ACCOUNT, sync_to_thread=True)
    def settings(self, request: Request, db_session: DbSession) -> Template:
        context = {"user": _account(request, db_session, _actor(request)), "errors": {}, "form": {}}
        return page(request, "accounts/account.html", context)

    @post("/password", opt=OWN_ACCOUNT, sync_to_thread=True)
    def change_password(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        def change(actor: Actor) -> None:
            current, new, again = (form_text(data, name) for name in ("current_password", "password", "password_again"))
            sessions = request.app.state.sessions
            services.change_password(
                db_session, sessions, actor.user_id, current, new, again, keep_session=actor.session_token, ip=ip_of(request)
            )

        refused = _with_current_password(request, db_session, "password", change)
        return refused or Redirect(path="/account?password=changed", status_code=303)

    @post("/email", opt=OWN_ACCOUNT, sync_to_thread=True)
    def change_email(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        def change(actor: Actor) -> None:
            current, new = form_text(data, "current_password"), form_text(data, "new_email")
            _limit(request, (MAIL_PER_ADDRESS, services.email_key(new)), (MAIL_PER_IP, ip_of(request)))
            services.request_email_change(db_session, mailer_for(request), actor.user_id, current, new, ip_of(request))

        typed = {"new_email": form_text(data, "new_email")}
        refused = _with_current_password(request, db_session, "email", change, typed)
        return refused or mail_soon(request, Redirect(path="/account?email=sent", status_code=303))

    @get("/email/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def confirm_email_form(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template:
        return _link_page(request, db_session, token, services.EMAIL_CHANGE, "accounts/confirm_email.html")

    @post("/email/{token:str}", opt=PUBLIC_FORM, sync_to_thread=True)
    def confirm_email(self, request: Request, db_session: DbSession, token: FromPath[str]) -> Template | Redirect:
        try:
            sessions = request.app.state.sessions
            services.confirm_email_change(db_session, sessions, mailer_for(request), token, ip_of(request))
        except InvalidInput as error:
            return _link_expired(request, error)
        # Every session of the account has ended: sign in again, with the new address.
        response = mail_soon(request, Redirect(path="/account/login?next=/account%3Femail%3Dchanged", status_code=303))
        _forget_session(request, response)
        return response

    @post("/language", opt=OWN_ACCOUNT, sync_to_thread=True)
    def change_language(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        chosen = form_text(data, "language")
        try:
            services.set_language(db_session, _actor(request).user_id, chosen, request.app.state.settings.locales)
        except InvalidInput as error:
            return _account_refused(request, db_session, "language", error, {"language": chosen})
        return Redirect(path="/account?language=saved", status_code=303)

    @post("/delete", opt=OWN_ACCOUNT, sync_to_thread=True)
    def delete(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        def delete(actor: Actor) -> None:
            current = form_text(data, "current_password")
            services.delete_account(db_session, request.app.state.sessions, actor.user_id, current, ip_of(request))

        if refused := _with_current_password(request, db_session, "delete", delete):
            return refused
        response = Redirect(path="/?account=deleted", status_code=303)
        _forget_session(request, response)
        return response


def _with_current_password(
    request: Request,
    db_session: DbSession,
    form_name: str,
    change: Callable[[Actor], None],
    typed: dict[str, str] | None = None,
) -> Template | None:
    """Make a change that asks for the current password (limited per account); on refusal, the account
    page again (400) with the message in the form ``form_name``; None when the change was made."""
    actor = _actor(request)
    _limit(request, (PASSWORD_PER_ACCOUNT, str(actor.user_id)))
    try:
        change(actor)
    except InvalidInput as error:
        return _account_refused(request, db_session, form_name, error, typed or {})
    return None


def _account_refused(request: Request, db_session: DbSession, form_name: str, error: InvalidInput, typed: dict[str, str]) -> Template:
    """The account page again (400), the messages in its form ``form_name``, what was typed back in it (never a password)."""
    context = {"user": _account(request, db_session, _actor(request)), "errors": error.errors, "failed": form_name, "form": typed}
    return page(request, "accounts/account.html", context, status_code=400)


def _account(request: Request, db_session: DbSession, actor: Actor) -> dict[str, object]:
    """What the account page shows of its owner."""
    user = db_session.get(User, actor.user_id)
    return {
        "email": user.email,
        "verified": user.email_verified_at is not None,
        "is_admin": user.is_admin,
        "partner_countries": sorted(actor.partner_countries),
        # The language their mail is written in (an account with none yet: the site's default).
        "language": mailer_for(request).for_user(user).locale,
    }

