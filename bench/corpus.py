"""A realistic support-mail corpus, generated deterministically from a seed.

In: a size, a seed and the share of messages with a large attachment. Out: `Item`s in
mailbox order: 61 % new requests, 39 % replies from the same customer quoting the
history and carrying the token soporte will give that ticket (`SOP-000001` is the first
new request). Half Spanish, half English; half with an HTML alternative. Pure: no I/O.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

from tests.support.mail import make_mail

NEW_SHARE = 0.61
HTML_SHARE = 0.5
ATTACHMENT_SHARE = 0.1075          # ~215 in 2,000, as in the spec's corpus
ATTACHMENT_BYTES = (50_000, 300_000)
MAX_NEW_PER_CUSTOMER = 8           # below soporte's per-recipient acknowledgement cap (10/h)
TOKEN_PREFIX, TOKEN_DIGITS = "SOP", 6
_PHASE = 1 - NEW_SHARE             # so the first message is a new request
START = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Item:
    raw: bytes
    subject: str
    sender: str
    kind: str              # "new" | "reply"
    token: str             # the ticket's token (the one it will get, for a new request)
    message_id: str


@dataclass
class _Thread:
    token: str
    sender: str
    name: str
    spanish: bool
    subject: str
    last_id: str
    history: str
    references: list[str]


# -- vocabulary ------------------------------------------------------------------------
_FIRST = ("Ana", "Carlos", "Lucía", "Javier", "Marta", "Pablo", "Elena", "Diego", "Sofía", "Raúl",
          "Laura", "Miguel", "Carmen", "Sergio", "Paula", "John", "Emma", "Oliver", "Grace", "Liam")
_LAST = ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Ruiz", "Díaz", "Moreno",
         "Navarro", "Smith", "Brown", "Taylor", "Wilson", "Evans")
_COMPANIES = ("hotel-mirador", "clinica-sur", "talleres-ebro", "colegio-alba", "grupo-norte",
              "bodegas-rioja", "acme-logistics", "harbour-foods", "northwind", "ferreteria-sol")
_DEVICES_ES = ("la centralita", "el videoportero", "el grabador de cámaras", "la alarma",
               "el router del almacén", "el control de accesos", "la megafonía", "el servidor NAS")
_DEVICES_EN = ("the PBX", "the door entry panel", "the CCTV recorder", "the alarm panel",
               "the warehouse router", "the access control unit", "the PA system", "the NAS server")
_PROBLEMS_ES = ("no enciende desde esta mañana", "se reinicia cada pocos minutos",
                "no graba por la noche", "da un pitido continuo", "no conecta con la red",
                "muestra un error de disco", "ha dejado de enviar avisos", "va muy lenta")
_PROBLEMS_EN = ("will not power on since this morning", "keeps rebooting every few minutes",
                "stops recording at night", "beeps continuously", "cannot reach the network",
                "shows a disk error", "no longer sends alerts", "is very slow")
_SUBJECTS_ES = ("Avería en {d}", "Problema con {d}", "Consulta sobre {d}", "Urgente: {d}",
                "Solicitud de mantenimiento de {d}", "Incidencia {d}")
_SUBJECTS_EN = ("Fault with {d}", "Problem with {d}", "Question about {d}", "Urgent: {d}",
                "Maintenance request for {d}", "Issue: {d}")
_FILLER_ES = ("La instalación se hizo el año pasado y hasta ahora funcionaba bien.",
              "Hemos probado a desenchufarlo y volver a enchufarlo, sin resultado.",
              "El número de serie que aparece en la etiqueta es {sn}.",
              "Necesitaríamos que alguien pasara esta semana si es posible.",
              "Les adjunto la información que tenemos; cualquier cosa me dicen.",
              "Estamos disponibles de lunes a viernes de 8:00 a 15:00.")
_FILLER_EN = ("It was installed last year and worked fine until now.",
              "We tried unplugging it and plugging it back in, with no luck.",
              "The serial number on the label is {sn}.",
              "Could someone come over this week if possible?",
              "I attach what information we have; let me know if you need more.",
              "We are available Monday to Friday, 8:00 to 15:00.")
_REPLIES_ES = ("Gracias por la respuesta. Sigue pasando lo mismo.",
               "Les confirmo que mañana por la mañana estaremos en la oficina.",
               "Hemos vuelto a probar y ahora parece que funciona, pero de forma intermitente.",
               "¿Tienen ya fecha para la visita del técnico?")
_REPLIES_EN = ("Thanks for the reply. It is still happening.",
               "Confirming we will be at the office tomorrow morning.",
               "We tried again and it seems to work now, but only intermittently.",
               "Do you have a date for the technician's visit yet?")


class CorpusBuilder:
    def __init__(self, seed: int, attachment_share: float) -> None:
        self.rng = random.Random(seed)
        self.attachment_share = attachment_share
        self.threads: list[_Thread] = []
        self.new_per_customer: dict[str, int] = {}
        self.customers = self._customers(400)

    def _customers(self, count: int) -> list[tuple[str, str]]:
        people = []
        for number in range(count):
            first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
            company = self.rng.choice(_COMPANIES)
            people.append((f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}{number}@{company}.example"))
        return people

    def item(self, index: int) -> Item:
        # an exact share, spread evenly: message i is new when the running count steps up
        if int((index + 1) * NEW_SHARE + _PHASE) > int(index * NEW_SHARE + _PHASE):
            return self.new_request(index)
        return self.reply(index)

    def _customer(self) -> tuple[str, str]:
        while True:
            name, email = self.rng.choice(self.customers)
            if self.new_per_customer.get(email, 0) < MAX_NEW_PER_CUSTOMER:
                self.new_per_customer[email] = self.new_per_customer.get(email, 0) + 1
                return name, email
            self.customers.extend(self._customers(50))

    def new_request(self, index: int) -> Item:
        rng = self.rng
        name, sender = self._customer()
        spanish = rng.random() < 0.5
        device = rng.choice(_DEVICES_ES if spanish else _DEVICES_EN)
        subject = rng.choice(_SUBJECTS_ES if spanish else _SUBJECTS_EN).format(d=device)
        problem = rng.choice(_PROBLEMS_ES if spanish else _PROBLEMS_EN)
        sn = f"SN-{rng.randrange(10**7):07d}"
        filler = [line.format(sn=sn) for line in rng.sample(_FILLER_ES if spanish else _FILLER_EN, 3)]
        opening = (f"Buenos días:\n\nLes escribo porque {device} {problem}." if spanish
                   else f"Hello,\n\nI am writing because {device} {problem}.")
        body = "\n\n".join([opening, *filler, _signature(name, spanish)]) + "\n"
        token = f"{TOKEN_PREFIX}-{len(self.threads) + 1:0{TOKEN_DIGITS}d}"
        message_id = f"bench-{index}.{rng.getrandbits(40):x}@{sender.split('@')[1]}"
        raw = self._mail(index, sender, name, subject, body, message_id, None, ())
        self.threads.append(_Thread(token, sender, name, spanish, subject, message_id, body, [message_id]))
        return Item(raw, subject, sender, "new", token, message_id)

    def reply(self, index: int) -> Item:
        rng = self.rng
        thread = rng.choice(self.threads[-400:])          # recent tickets get the replies
        text = rng.choice(_REPLIES_ES if thread.spanish else _REPLIES_EN)
        when = _date(index - 1).strftime("%d/%m/%Y %H:%M")
        intro = (f"El {when}, {thread.name} <{thread.sender}> escribió:" if thread.spanish
                 else f"On {when}, {thread.name} <{thread.sender}> wrote:")
        quoted = "\n".join("> " + line if line else ">" for line in thread.history.splitlines())
        body = f"{text}\n\n{_signature(thread.name, thread.spanish)}\n\n{intro}\n{quoted}\n"
        prefix = "RE" if thread.spanish and rng.random() < 0.5 else "Re"
        subject = f"{prefix}: [{thread.token}] {thread.subject}"
        message_id = f"bench-{index}.{rng.getrandbits(40):x}@{thread.sender.split('@')[1]}"
        raw = self._mail(index, thread.sender, thread.name, subject, body, message_id, thread.last_id,
                         tuple(thread.references[-10:]))
        thread.last_id, thread.history = message_id, body
        thread.references.append(message_id)
        return Item(raw, subject, thread.sender, "reply", thread.token, message_id)

    def _mail(self, index: int, sender: str, name: str, subject: str, body: str, message_id: str,
              in_reply_to: str | None, references: tuple[str, ...]) -> bytes:
        rng = self.rng
        html = _html(body) if rng.random() < HTML_SHARE else None
        attachments = (self._attachment(index),) if rng.random() < self.attachment_share else ()
        return make_mail(sender, subject, body, name=name, message_id=message_id, in_reply_to=in_reply_to,
                         references=references, html=html, attachments=attachments, date=_date(index))

    def _attachment(self, index: int) -> tuple[str, str, bytes]:
        size = self.rng.randrange(*ATTACHMENT_BYTES)
        noise = self.rng.randbytes(size)
        if self.rng.random() < 0.5:
            return f"informe-{index}.pdf", "application/pdf", b"%PDF-1.4\n" + noise + b"\n%%EOF\n"
        return f"foto-{index}.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + noise + b"\xff\xd9"


def build(count: int = 2000, seed: int = 2026, attachment_share: float = ATTACHMENT_SHARE) -> list[Item]:
    builder = CorpusBuilder(seed, attachment_share)
    return [builder.item(index) for index in range(count)]


def summary(items: list[Item]) -> dict[str, float]:
    size = sum(len(i.raw) for i in items)
    return {"messages": len(items), "new": sum(i.kind == "new" for i in items),
            "replies": sum(i.kind == "reply" for i in items),
            "with_attachment": sum(b"Content-Disposition: attachment" in i.raw for i in items),
            "with_html": sum(b"text/html" in i.raw for i in items), "megabytes": round(size / 1e6, 1)}


def _date(index: int) -> datetime:
    return START + timedelta(seconds=37 * index)


def _signature(name: str, spanish: bool) -> str:
    return f"Un saludo,\n{name}" if spanish else f"Best regards,\n{name}"


def _html(body: str) -> str:
    paragraphs = []
    for block in body.split("\n\n"):
        lines = block.splitlines()
        if lines and all(line.startswith(">") for line in lines):
            inner = "<br>".join(escape(line.lstrip("> ")) for line in lines)
            paragraphs.append(f'<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;'
                              f'padding-left:1ex">{inner}</blockquote>')
        else:
            paragraphs.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return ('<html><head><meta charset="utf-8"></head><body><div dir="ltr" '
            'style="font-family:Arial,sans-serif;font-size:10pt">' + "\n".join(paragraphs) + "</div></body></html>")


def _ascii(text: str) -> str:
    table = str.maketrans("áéíóúñÁÉÍÓÚÑ", "aeiounAEIOUN")
    return text.translate(table).lower()
