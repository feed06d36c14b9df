"""Mail to partners through the SMTP server the settings name (``HANJARI_SMTP_HOST``,
``_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``_FROM``, ``_TIMEOUT``).

The mail names no person: it says that the centre sent a referral and gives the one-time
link; what the referral shares is shown only behind that link.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from core.clock import SEOUL
from referrals.models import PartnerLink, PartnerReferral

log = logging.getLogger("hanjari.mail")


class MailNotConfigured(RuntimeError):
    """No SMTP server in the settings."""


def link_url(token: str) -> str:
    """The link's address: under ``PUBLIC_BASE_URL`` when set (the address partners reach),
    else the address of the current request."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("partner_access.open_link", token=token)
    if base:
        return base.rstrip("/") + path
    return url_for("partner_access.open_link", token=token, _external=True)


def compose(referral: PartnerReferral, link: PartnerLink, token: str) -> EmailMessage:
    """The mail to the partner, in Korean (the partner's language)."""
    config = current_app.config
    with force_locale("ko"):
        centre = referral.from_case.centre.name
        message = EmailMessage()
        message["Subject"] = _("[한자리] %(centre)s에서 의뢰가 왔습니다 (의뢰번호 P-%(n)d)",
                               centre=centre, n=referral.id)
        message["From"] = formataddr((centre, config.get("SMTP_FROM", "hanjari@localhost")))
        message["To"] = referral.partner.email
        message["Message-ID"] = make_msgid(domain="hanjari")
        message.set_content(_(
            "%(partner)s 담당자님께\n\n"
            "%(centre)s %(agency)s에서 의뢰를 보냈습니다 (의뢰번호 P-%(n)d).\n"
            "아래 링크에서 의뢰 내용을 보고 수락 또는 반려를 알려 주세요. 응답 기한은 "
            "%(due)s입니다.\n\n%(url)s\n\n"
            "이 링크는 %(expires)s까지 쓸 수 있고, 응답과 결과 알림을 한 번씩 할 수 있습니다. "
            "다른 사람에게 전달하지 마세요. 링크를 열 때마다 접속 기록이 남습니다.\n",
            partner=referral.partner.name, centre=centre, agency=referral.from_agency.name,
            n=referral.id, due=referral.due_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
            url=link_url(token),
            expires=link.expires_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")))
    return message


def send(message: EmailMessage) -> None:
    """Hand the message to the SMTP server.

    :raise MailNotConfigured: no ``SMTP_HOST``; :raise OSError / smtplib.SMTPException: the
        server refused or did not answer.
    """
    config = current_app.config
    host = config.get("SMTP_HOST")
    if not host:
        raise MailNotConfigured("SMTP_HOST is not set")
    port = int(config.get("SMTP_PORT", 25))
    timeout = float(config.get("SMTP_TIMEOUT", 10))
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if str(config.get("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
        smtp.send_message(message)


def try_send(referral: PartnerReferral, link: PartnerLink, token: str) -> bool:
    """Send the partner's mail; a failure is logged (without the address or the token) and
    answered with False, never with an error page."""
    try:
        send(compose(referral, link, token))
    except (MailNotConfigured, OSError, smtplib.SMTPException) as error:
        log.warning("partner mail for referral P-%d not sent: %s", referral.id,
                    type(error).__name__)
        return False
    return True
