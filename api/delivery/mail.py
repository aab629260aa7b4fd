"""The weekly report by e-mail, through the hospital's SMTP relay (`PARCOURS_SMTP_*`)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.settings import Settings

SUBJECTS = {"fr": "Rapport hebdomadaire Parcours", "en": "Parcours weekly report"}


def recipients(settings: Settings) -> list[str]:
    """The configured report recipients."""
    return [a.strip() for a in (settings.smtp_to or "").split(",") if a.strip()]


def enabled(settings: Settings) -> bool:
    """Whether report e-mails are configured (a relay and at least one recipient)."""
    return bool(settings.smtp_host and recipients(settings))


def build_message(
    *, settings: Settings, to: list[str], tenant: str, week: str, language: str, html: str, text: str
) -> EmailMessage:
    """A multipart message: the Markdown report as text, the self-contained HTML report as alternative."""
    message = EmailMessage()
    message["Subject"] = f"{SUBJECTS.get(language, SUBJECTS['en'])} {week} — {tenant}"
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "parcours.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(*, settings: Settings, message: EmailMessage) -> None:
    """Hand the message to the relay (SMTPS, STARTTLS or plain, with a login when configured)."""
    host, port, timeout = settings.smtp_host or "localhost", settings.smtp_port, settings.smtp_timeout
    smtp: smtplib.SMTP
    if settings.smtp_ssl:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
