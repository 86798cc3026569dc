"""`make demo`: soporte end to end with no real mailbox. Starts a throw-away Dovecot on
loopback and an SMTP sink, drops sample customer mail in, runs `soporte once` twice (a
customer reply arrives in between), and shows the tickets and the mail that went out."""
from __future__ import annotations

import shutil
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.dovecot import DovecotServer  # noqa: E402
from tests.support.mail import make_mail  # noqa: E402
from tests.support.site import Site  # noqa: E402
from tests.support.smtp_sink import SmtpSink  # noqa: E402

SAMPLES = [
    make_mail("juan@cliente.test", "La caldera no arranca", name="Juan Pérez",
              body="Buenos días:\n\nDesde ayer la caldera no arranca y muestra el error E12.\n"
                   "¿Pueden enviar un técnico?\n\nGracias,\nJuan\n"),
    make_mail("lucia@empresa-cliente.test", "No recuerdo mi contraseña del portal", name="Lucía Gómez",
              body="Hola, no puedo entrar al portal de clientes, he olvidado la contraseña.\n"),
    make_mail("vacaciones@cliente.test", "Respuesta automática: fuera de la oficina",
              headers={"Auto-Submitted": "auto-replied"},
              body="Estoy de vacaciones hasta el lunes.\n"),
]


def banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 70 - len(text)))


def main() -> int:
    work = REPO / "demo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    with DovecotServer(work / "dovecot") as dovecot, SmtpSink() as sink:
        mailbox = dovecot.new_mailbox("demo")
        site = Site(work, mailbox, sink)
        print(f"config written to {site.config_path}")
        banner("customers write to soporte@example.test")
        for raw in SAMPLES:
            mailbox.append(raw)
            print("  +", BytesParser(policy=policy.default).parsebytes(raw)["Subject"])
        banner("soporte once")
        print(site.once().stderr.strip())
        banner("a customer replies in the thread")
        mailbox.append(make_mail("juan@cliente.test", "RE: [SOP-000001] La caldera no arranca",
                                 "Adjunto una foto del display.\n\n"
                                 "El lun, 23 nov 2026 a las 10:00, Soporte Técnico escribió:\n> Hemos recibido su solicitud\n",
                                 attachments=(("display.jpg", "image/jpeg", b"\xff\xd8\xff" + b"0" * 2048),)))
        print(site.once().stderr.strip())
        banner("soporte tickets list")
        print(site.run("tickets", "list").stdout.rstrip())
        banner("soporte tickets show SOP-000001")
        print(site.run("tickets", "show", "SOP-000001").stdout.rstrip())
        banner(f"mail accepted by the SMTP server ({len(sink.messages)})")
        for item in sink.messages:
            print(f"  to {', '.join(item.rcpt_tos):<32} {item.message['Subject']}")
        if sink.messages:
            banner("the first acknowledgement, as the customer sees it")
            print(sink.messages[0].message.get_body(("plain",)).get_content())
    print(f"\nThe demo's config, database and stored mail are in {work}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
