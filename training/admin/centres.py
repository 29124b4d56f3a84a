"""Admin pages for centres and staff: create and edit centres, create trainer accounts,
change a user's role and centre (audited). Admin-only through the blueprint's guard."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Centre, Role, User
from ..services.accounts import accounts, audit, centres
from .forms import CentreForm, RoleForm, TrainerForm
from .views import bp

USERS_PER_PAGE = 50


def _centre_choices(blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(c.id, c.name) for c in db.session.scalars(select(Centre).order_by(Centre.name))]
    return ([SelectChoice(0, blank)] if blank else []) + choices


@bp.route("/centres")
def centres_list():
    rows = db.session.scalars(select(Centre).order_by(Centre.name)).all()
    return render_template("admin/centres.html", centres=rows, trainers=centres.staff_counts(db.session))


@bp.route("/centres/new", methods=["GET", "POST"], defaults={"centre_id": None})
@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
def centre_form(centre_id: int | None):
    centre = db.get_or_404(Centre, centre_id) if centre_id else None
    form = CentreForm(obj=centre)
    if form.validate_on_submit():
        old_phone = centre.phone if centre else ""
        try:
            saved = centres.save_centre(db.session, centre, form.details())
        except centres.CentreError:
            db.session.rollback()
            form.name.errors.append(_("A centre with this name already exists."))
        else:
            audit.record(db.session, "centre.update" if centre else "centre.create", current_user.id,
                         "centre", saved.id, ip_address=request.remote_addr or "", name=saved.name,
                         phone=saved.phone, old_phone=old_phone)
            db.session.commit()
            flash(_("Centre saved."), "success")
            return redirect(url_for("admin.centres_list"))
    return render_template("admin/centre_form.html", form=form, centre=centre), 422 if form.errors else 200


@bp.route("/users")
def users():
    """Search users by name, username or mobile number; numbers are masked in the list."""
    q = (request.args.get("q") or "").strip()[:60]
    role = request.args.get("role", "")
    query = select(User).options(joinedload(User.centre)).order_by(User.role, User.display_name, User.id)
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    centre_id = request.args.get("centre", type=int)
    if centre_id:
        query = query.where(User.centre_id == centre_id)
    if q:
        mobile = accounts.normalise_mobile(q)
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.display_name.ilike(like), User.username.ilike(like),
                                User.mobile == (mobile or q)))
    page = db.paginate(query, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role)


@bp.route("/trainers/new", methods=["GET", "POST"])
def new_trainer():
    """A trainer account with a one-time password, shown once."""
    form = TrainerForm()
    form.centre_id.choices = _centre_choices()
    if not form.centre_id.choices:
        flash(_("Create a centre first."), "info")
        return redirect(url_for("admin.centre_form"))
    if form.validate_on_submit():
        username, mobile = accounts.split_login(form.login.data)
        try:
            user, password = centres.create_trainer(
                db.session, display_name=form.display_name.data, username=username, mobile=mobile,
                centre_id=form.centre_id.data)
        except accounts.AccountError:
            form.login.errors.append(_("This mobile number or username is already registered."))
        else:
            audit.record(db.session, "user.create", current_user.id, "user", user.id,
                         ip_address=request.remote_addr or "", role=Role.TRAINER.value,
                         centre_id=user.centre_id)
            db.session.commit()
            return render_template("admin/trainer_created.html", user=user, password=password)
    return render_template("admin/trainer_form.html", form=form), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
def user_role(user_id: int):
    """Change a user's role and centre. Admins cannot change their own role (no lock-out)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm(obj=user)
    form.centre_id.choices = _centre_choices(blank=_("No centre"))
    if request.method == "GET":
        form.centre_id.data = user.centre_id or 0
    if form.validate_on_submit():
        if user.id == current_user.id:
            abort(403)
        try:
            change = centres.change_role(user, form.role.data, form.centre_id.data or None)
        except centres.CentreError as exc:
            if exc.args[0] == "centre_id":
                form.centre_id.errors.append(_("Choose the trainer's centre."))
            else:
                form.role.errors.append(_("Choose a role."))
        else:
            audit.record(db.session, "user.role_change", current_user.id, "user", user.id,
                         ip_address=request.remote_addr or "", **change)
            db.session.commit()
            flash(_("Role and centre of %(name)s saved.", name=user.display_name),
                  "success")
            return redirect(url_for("admin.users", q=user.login_name))
    return render_template("admin/user_role.html", form=form, user=user,
                           own=user.id == current_user.id), 422 if form.errors else 200

