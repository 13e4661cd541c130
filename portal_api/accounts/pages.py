"""Signing in and out, and choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import InvalidInput, NotAuthenticated, PermissionDenied, TooManyAttempts
from infra.tenancy import signin
from infra.tenancy.models import User
from portal_api.deps import SessionDep, source_of
from portal_api.web import cookies, i18n
from portal_api.web.auth import CheckedForm, MaybeSignedIn, PostedForm, SignedIn
from portal_api.web.forms import FormState, text
from portal_api.web.render import gettext_for, redirect, render, safe_next

router = APIRouter()


def _login_page(request: Request, state: FormState, next_url: str, status: int = 200) -> Response:
    return render(request, "login.html", {"form": state, "next_url": next_url}, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, viewer: MaybeSignedIn, next: str = "/") -> Response:
    next_url = safe_next(next)
    if viewer is not None:
        return redirect(request, next_url)
    return _login_page(request, FormState(values={"username": ""}), next_url)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: PostedForm) -> Response:
    settings = cookies.settings_of(request)
    if not cookies.presession_ok(request, settings, form.get("csrf")):
        raise PermissionDenied("csrf: the sign-in form has expired; reload the page")
    _ = gettext_for(request)
    username, next_url = text(form, "username"), safe_next(text(form, "next"))
    password = form.get("password")
    user = None
    state = FormState(values={"username": username})
    if username and isinstance(password, str) and password:
        try:
            user = signin.sign_in(
                session, username=username, password=password, source=source_of(request)
            )
        except TooManyAttempts as exc:
            state.add(
                "",
                _("Too many failed sign-ins. Try again in %(seconds)s seconds.")
                % {"seconds": exc.retry_after},
            )
            page = _login_page(request, state, next_url, status=429)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except (NotAuthenticated, InvalidInput):
            user = None
    if user is None:
        state.add("", _("Wrong username or password, or the account is disabled."))
        return _login_page(request, state, next_url, status=401)
    response = redirect(request, next_url)
    sid = signin.open_web_session(session, user=user)
    cookies.start_session(response, settings, sid=sid, uid=user.id, epoch=user.session_epoch)
    cookies.set_lang(response, settings, _keep_chosen_language(request, session, user))
    return response


def _keep_chosen_language(request: Request, session: SessionDep, user: User) -> str:
    """The language picked on the sign-in page (the ``lang`` cookie, set only by a choice or
    an earlier sign-in) becomes the user's; without one, the user's saved language stays."""
    chosen = i18n.supported(request.cookies.get(cookies.LANG_COOKIE))
    if chosen is None:
        return user.locale
    actor = Actor(username=user.username, user_id=user.id, role=user.role.value)
    _save_locale(session, user.id, chosen, actor)
    return chosen


@router.post("/logout")
def logout(request: Request, session: SessionDep, viewer: SignedIn, form: CheckedForm) -> Response:
    """Ends the server-side session: the cookie is void even where a copy of it survives."""
    signin.end_web_session(session, sid=viewer.session_id)
    _ = gettext_for(request)
    response = redirect(request, "/login", _("You have signed out."), kind="info")
    cookies.end_session(response, cookies.settings_of(request))
    return response


@router.post("/lang")
def switch_language(
    request: Request, session: SessionDep, viewer: MaybeSignedIn, form: PostedForm
) -> Response:
    """Signed in: saved on the user's row (audited); before sign-in: the ``lang`` cookie."""
    settings = cookies.settings_of(request)
    submitted = form.get("csrf")
    valid = (
        cookies.same_token(viewer.csrf, submitted)
        if viewer is not None
        else cookies.presession_ok(request, settings, submitted)
    )
    if not valid:
        raise PermissionDenied("csrf: the form is missing its security token or it has expired")
    locale = i18n.supported(text(form, "locale"))
    if locale is None:
        raise InvalidInput.one("locale", "choose one of the offered languages")
    if viewer is not None:
        _save_locale(session, viewer.user_id, locale, viewer.actor)
    response = redirect(request, safe_next(text(form, "next")))
    cookies.set_lang(response, settings, locale)
    return response


def _save_locale(session: SessionDep, user_id: int, locale: str, actor: Actor) -> None:
    # accounts.update_user is for administrators (it checks the right to grant roles);
    # choosing one's own language is self-service, so it is written and audited here.
    user = session.get(User, user_id)
    if user is None or user.locale == locale:
        return
    before = {"locale": user.locale}
    user.locale = locale
    session.flush()
    record(
        session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"locale": locale},
        department_id=user.department_id,
    )
