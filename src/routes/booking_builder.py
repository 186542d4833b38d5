"""Maintenance → Online booking: the owner builds, pauses, copies and deletes booking embeds."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from accounts import offices
from booking import embeds as booking
from booking import images as booking_images
from booking.embeds import Draft, Embed, Images
from booking.images import ImageRefused
from core.errors import Invalid, NotFound, Refused
from core.inputs import Id
from routes.guard import actor_of, bindings_of, files_of
from routes.pages import redirect, refusals_show, render

router = APIRouter(prefix="/maintenance/booking", include_in_schema=False)
# A logo and three service pictures at 200 KB each, plus the form's text fields.
MAX_BODY = 4 * booking_images.MAX_BYTES + 64 * 1024
HOURS = list(range(0, 25))


async def _embed(request: Request, embed_id: Id) -> Embed:
    embed = await booking.by_id(bindings_of(request).db, embed_id)
    if embed is None:
        raise NotFound("We couldn't find that booking embed.")
    return embed


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("")
async def embed_list(request: Request) -> Response:
    embeds = await booking.all_embeds(bindings_of(request).db)
    return render(request, "maintenance/booking_list.html", embeds=embeds, origin=_origin(request))


async def _form_page(
    request: Request, embed: Embed | None, draft: Draft, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "maintenance/booking_form.html",
        status_code=status,
        embed=embed,
        form=draft,
        errors=errors or {},
        offices=await offices.all_offices(bindings_of(request).db, include_inactive=False),
        hours=HOURS,
        icons=booking.CALLOUT_ICONS,
        origin=_origin(request),
        max_services=booking.MAX_SERVICES,
        max_callouts=booking.MAX_CALLOUTS,
    )


@router.get("/new")
async def new_embed(request: Request) -> Response:
    return await _form_page(request, None, Draft())


@router.get("/{embed_id}")
async def edit_embed(request: Request, embed_id: Id) -> Response:
    embed = await _embed(request, embed_id)
    return await _form_page(request, embed, booking.draft_of(embed))


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _draft(form: FormData) -> Draft:
    rows = range(1, booking.MAX_SERVICES + 2)  # one more than allowed, so a forged fourth is refused
    return Draft(
        name=_text(form, "name"),
        slug=_text(form, "slug"),
        office_id=_text(form, "office_id"),
        open_hour=_text(form, "open_hour"),
        close_hour=_text(form, "close_hour"),
        page_title=_text(form, "page_title"),
        company_name=_text(form, "company_name"),
        brand_color=_text(form, "brand_color"),
        services=[{"name": _text(form, f"service_name_{i}"), "price": _text(form, f"service_price_{i}")} for i in rows],
        callouts=[
            {k: _text(form, f"callout_{k}_{i}") for k in ("icon", "title", "body")}
            for i in range(1, booking.MAX_CALLOUTS + 2)
        ],
        confirm_mode=_text(form, "confirm_mode"),
        thank_you_message=_text(form, "thank_you_message"),
        redirect_url=_text(form, "redirect_url"),
        allowed_domains=_text(form, "allowed_domains"),
        live=_text(form, "live") == "true",
    )


async def _image(form: FormData, name: str, allow_svg: bool) -> booking_images.Image | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(booking_images.MAX_BYTES + 1)
    return booking_images.check(upload.filename, data, allow_svg=allow_svg)


async def _images(form: FormData, settings: booking.Settings) -> tuple[Images, dict[str, str]]:
    """The uploaded images, and a message per image field that was refused."""
    errors: dict[str, str] = {}
    logo, services = None, {}
    try:
        logo = await _image(form, "logo", allow_svg=True)
    except ImageRefused as exc:
        errors["logo"] = str(exc)
    for i in range(len(settings.services)):
        try:
            image = await _image(form, f"service_image_{i + 1}", allow_svg=True)
        except ImageRefused as exc:
            errors[f"service_{i}"] = str(exc)
            continue
        if image is not None:
            services[i] = image
    removed = frozenset(i for i in range(booking.MAX_SERVICES) if _text(form, f"remove_service_image_{i + 1}"))
    return Images(logo, bool(_text(form, "remove_logo")), services, removed), errors


async def _read(request: Request) -> tuple[Draft, booking.Settings | None, Images, dict[str, str]]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, "Images may be at most 200 KB each.")
    form = await request.form(max_files=4, max_fields=80)
    draft = _draft(form)
    user_offices = {o.id for o in await offices.all_offices(bindings_of(request).db, include_inactive=False)}
    try:
        settings = booking.check(draft, user_offices)
    except Invalid as exc:
        return draft, None, Images(), exc.errors
    images, errors = await _images(form, settings)
    return draft, settings, images, errors


@router.post("")
async def create(request: Request) -> Response:
    b = bindings_of(request)
    draft, settings, images, errors = await _read(request)
    if settings is None or errors:
        return await _form_page(request, None, draft, errors, 422)
    async with refusals_show(lambda exc: _form_page(request, None, draft, exc.errors, 422), (Invalid,)):
        await booking.create_embed(b.db, files_of(request), b.clock.now(), actor_of(request), settings, images)
    return redirect("/maintenance/booking", f"Booking embed “{settings.name}” created.")


@router.post("/{embed_id}")
async def save(request: Request, embed_id: Id) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, embed_id)
    draft, settings, images, errors = await _read(request)
    if settings is None or errors:
        return await _form_page(request, embed, draft, errors, 422)

    async def again(exc: Refused) -> Response:
        if isinstance(exc, Invalid):
            return await _form_page(request, embed, draft, exc.errors, 422)
        fresh = await _embed(request, embed_id)  # someone else saved first: the form with their version
        message = {"name": "Someone else saved this embed meanwhile; review their changes and save again."}
        return await _form_page(request, fresh, booking.draft_of(fresh), message, 409)

    async with refusals_show(again):
        await booking.update_embed(b.db, files_of(request), b.clock.now(), actor_of(request), embed, settings, images)
    return redirect("/maintenance/booking", f"Booking embed “{settings.name}” saved.")


@router.post("/{embed_id}/live")
async def toggle_live(request: Request, embed_id: Id) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, embed_id)
    live = (await request.form()).get("live") == "true"
    await booking.set_live(b.db, b.clock.now(), actor_of(request), embed, live)
    state = "live" if live else "paused"
    return redirect("/maintenance/booking", f"“{embed.name}” is {state}.")


@router.post("/{embed_id}/duplicate")
async def duplicate(request: Request, embed_id: Id) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, embed_id)
    await booking.duplicate_embed(b.db, files_of(request), b.clock.now(), actor_of(request), embed)
    return redirect("/maintenance/booking", f"Copied “{embed.name}”; the copy is paused until you turn it on.")


@router.post("/{embed_id}/delete")
async def delete(request: Request, embed_id: Id) -> Response:
    b = bindings_of(request)
    embed = await _embed(request, embed_id)
    await booking.delete_embed(b.db, files_of(request), b.clock.now(), actor_of(request), embed)
    return redirect("/maintenance/booking", f"Booking embed “{embed.name}” deleted.")
