"""Channels set up on the admin page: add, change, test the connection, remove.

The form comes from the kind's driver (`Driver.fields`); the service
(`desk.channel_setup.store`) validates with the driver's own settings, seals
the secrets and tells every process. The views only translate.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from desk.channel_setup import running
from desk.channel_setup import store as service
from desk.channel_setup.keys import Keyring
from desk.config import current_config, file_config
from desk.drivers import Driver, driver_for
from desk.models import ChannelSetup
from desk.web.admin.common import admin_only, bp, done
from desk.web.admin.forms import ButtonForm, setup_form


@bp.get("/channels/new")
@admin_only
def new_channel() -> str:
    kind = request.args.get("kind")
    if not kind:
        return render_template("admin/channel_new.html", kinds=service.offered(),
                               key=Keyring.of(current_config()).usable)
    driver = _offered(kind)
    form = setup_form(driver.fields, new=True, data=_defaults(driver))
    return _page(driver, form, None)


@bp.post("/channels/new")
@admin_only
def create_channel() -> Response | tuple[str, int] | str:
    driver = _offered(request.args.get("kind", ""))
    form = setup_form(driver.fields, new=True)
    return _submit(driver, form, None)


@bp.get("/channels/setup/<name>")
@admin_only
def channel_setup(name: str) -> str:
    stored = service.setup_named(name)
    if stored is None:
        if name in service.file_names():
            return _file_page(name)
        abort(404)
    driver = driver_for(stored.kind)
    form = setup_form(driver.fields, new=False, data=_stored_values(driver, stored))
    return _page(driver, form, stored)


@bp.post("/channels/setup/<name>")
@admin_only
def change_channel(name: str) -> Response | tuple[str, int] | str:
    stored = service.setup_named(name)
    if stored is None:
        abort(404)  # a file channel is changed in the file; a removed one is gone
    driver = driver_for(stored.kind)
    return _submit(driver, setup_form(driver.fields, new=False), stored)


@bp.post("/channels/setup/<name>/check")
@admin_only
def check_file_channel(name: str) -> str | tuple[str, int]:
    """"Test connection" for a channel of the file: as it runs, nothing to enter."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    if name not in service.file_names() or current_config().channel(name) is None:
        abort(404)
    try:
        checked, failed = service.check_running(name), None
    except service.CheckFailed as exc:
        checked, failed = None, str(exc)
    return _file_page(name, checked=checked, failed=failed)


@bp.post("/channels/setup/<name>/delete")
@admin_only
def delete_channel(name: str) -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    service.delete(current_user, name)
    return done("admin.channels", gettext("Channel %(name)s removed. Its inquiries stay.",
                                          name=name))


def _offered(kind: str) -> Driver:
    driver = next((d for d in service.offered() if d.kind == kind), None)
    if driver is None:
        abort(404)
    return driver


def _defaults(driver: Driver) -> dict[str, Any]:
    return {f"opt_{f.key}": f.default for f in driver.fields
            if f.default is not None and f.kind != "secret"}


def _stored_values(driver: Driver, stored: ChannelSetup) -> dict[str, Any]:
    values: dict[str, Any] = {"display_name": stored.display_name, "enabled": stored.enabled,
                              "receipts": stored.receipts}
    for field in driver.fields:
        value = stored.options.get(field.key, field.default)
        if field.kind == "origins" and isinstance(value, list):
            value = "\n".join(value)
        if field.kind != "secret" and value is not None:
            values[f"opt_{field.key}"] = value
    return values


def _input(driver: Driver, form: FlaskForm, stored: ChannelSetup | None) -> service.SetupInput:
    options, secrets = {}, {}
    for field in driver.fields:
        raw = getattr(form, f"opt_{field.key}").data
        if field.kind == "secret":
            if raw:
                secrets[field.key] = raw
        else:
            options[field.key] = service.field_value(field, raw)
    name = stored.name if stored is not None else (form.name.data or "").strip()
    return service.SetupInput(name=name, kind=driver.kind,
                              display_name=(form.display_name.data or "").strip(),
                              enabled=bool(form.enabled.data), receipts=bool(form.receipts.data),
                              options=options, secrets=secrets)


def _submit(driver: Driver, form: FlaskForm, stored: ChannelSetup | None
            ) -> Response | tuple[str, int] | str:
    """Save, or (the "Test connection" button) test what was entered without saving."""
    testing = request.form.get("action") == "check"
    if not form.validate_on_submit():
        return _page(driver, form, stored, status=400)
    data = _input(driver, form, stored)
    try:
        if testing:
            line = service.check(data, stored.name if stored else None)
            return _page(driver, form, stored, checked=line)
        saved = service.save(current_user, data, stored.name if stored else None)
    except service.SetupInvalid as exc:
        _attach(form, exc)
        return _page(driver, form, stored, status=400)
    except service.CheckFailed as exc:
        return _page(driver, form, stored, failed=str(exc))
    return done("admin.channel_setup", gettext("Channel %(name)s saved.", name=saved.name),
                name=saved.name)


def _file_page(name: str, checked: str | None = None, failed: str | None = None) -> str:
    cfg = current_config().channel(name)
    can_check = cfg is not None and type(driver_for(cfg.kind)).check is not Driver.check
    return render_template("admin/channel_file.html", name=name, cfg=cfg, checked=checked,
                           failed=failed, can_check=can_check, button_form=ButtonForm())


def _attach(form: FlaskForm, error: service.SetupInvalid) -> None:
    """The service's errors next to their fields, or at the top of the form."""
    for key, text in error.problems:
        message = gettext(text)
        target = getattr(form, "name" if key == "name" else f"opt_{key}", None)
        if key and target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def _page(driver: Driver, form: FlaskForm, stored: ChannelSetup | None, status: int = 200,
          checked: str | None = None, failed: str | None = None) -> tuple[str, int] | str:
    config = current_config()
    secrets_kept: set[str] = set()
    if stored is not None and stored.secrets:
        secrets_kept = {f.key for f in driver.fields if f.kind == "secret"}
    action = (url_for("admin.change_channel", name=stored.name) if stored is not None
              else url_for("admin.create_channel", kind=driver.kind))
    html = render_template(
        "admin/channel_setup.html", driver=driver, form=form, stored=stored, action=action,
        key=Keyring.of(config).usable, secrets_kept=secrets_kept, checked=checked,
        can_check=type(driver).check is not Driver.check,
        failed=failed, problem=running.problems(current_app).get(stored.name) if stored else None,
        clash=stored is not None and stored.name in service.file_names(file_config()),
        button_form=ButtonForm())
    return (html, status) if status != 200 else html
