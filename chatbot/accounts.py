"""Second-factor pages: enrolment on first sign-in (authenticator app + recovery codes)
and verification on every later one. Staff must; patients may opt in.

Failures are counted per account and per address (``ratelimit.mfa_*``); past the
limit the page refuses with 429 and a clear message. Every outcome is audited.
"""

from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from chatbot import ratelimit, request_context, roles, services


class TokenForm(forms.Form):
    token = forms.CharField(
        max_length=16,
        label="Code from your authenticator app (or a recovery code)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


@login_required
def mfa(request: HttpRequest) -> HttpResponse:
    """Verify the second factor, or enrol one if the user has none yet."""
    user: Any = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url)
    ip = request_context.source_ip()
    if ratelimit.mfa_locked_out(user_id=user.pk, ip=ip):
        services.audit_record(actor=user, action="mfa_locked_out", obj=user)
        return render(request, "registration/mfa_locked.html", {"minutes": settings.MFA_LOCKOUT_S // 60}, status=429)
    enrolling = not user_has_device(user)
    device = services.mfa_totp_pending(user=user) if enrolling else None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].replace(" ", "")
        if device is not None and device.verify_token(token):
            codes = services.mfa_enrol_complete(device=device)
            otp_login(request, device)
            ratelimit.mfa_failures_reset(user_id=user.pk)
            return render(request, "registration/mfa_recovery_codes.html", {"codes": codes, "next": next_url})
        matched = match_token(user, token) if device is None else None
        if matched is not None:
            otp_login(request, matched)
            ratelimit.mfa_failures_reset(user_id=user.pk)
            kind = "recovery_code" if matched.__class__.__name__ == "StaticDevice" else "totp"
            services.audit_record(actor=user, action="mfa_verify", obj=user, detail={"method": kind})
            return redirect(next_url)
        ratelimit.mfa_failure_count(user_id=user.pk, ip=ip)
        services.audit_record(actor=user, action="mfa_failed", obj=user)
        form.add_error("token", "That code did not work. Check your device's clock and try the newest code.")
    context = {"form": form, "enrolling": enrolling, "next": next_url, "required": roles.requires_second_factor(user)}
    if device is not None:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = _b32(device.bin_key)
    return render(request, "registration/mfa.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def keepalive(request: HttpRequest) -> HttpResponse:
    """The session warning's "stay signed in": any request resets the idle clock."""
    return HttpResponse(status=204)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _qr_svg(url: str) -> str:
    """The enrolment QR code as inline SVG (no image URL, no script: CSP-safe)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return str(svg[svg.index("<svg") :])


def _b32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")
