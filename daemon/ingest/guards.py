"""Loop and noise protection: is this message a person writing to us, or a machine?

In: a `ParsedMessage` and our `OwnIdentity`. Out: a `Verdict` — "own" (our mail coming
back), "bounce", "autoreply", "bulk" or "accept" — checked in that order, with the
reason in words. Pure: no I/O, no clock; never creates tickets nor sends anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from daemon.ingest.bounces import BounceInfo, bounce_info, delivery_succeeded, returns_a_copy
from daemon.ingest.message import ParsedMessage
from daemon.ingest.ses import ses_notification
from daemon.ingest.subjects import is_forward
from daemon.outbound.msgid import is_our_message_id

__all__ = ["BounceInfo", "OwnIdentity", "Verdict", "classify", "null_return_path"]


@dataclass(frozen=True)
class OwnIdentity:
    support_address: str
    message_id_domain: str
    secret: bytes
    loop_marker: str            # the X-Loop value we put on everything we send


@dataclass(frozen=True)
class Verdict:
    kind: str                   # "accept" | "bounce" | "autoreply" | "spam" | "bulk" | "own"
    reason: str
    bounce: BounceInfo | None = None

    @property
    def accepted(self) -> bool:
        return self.kind == "accept"


Check = Callable[[ParsedMessage, OwnIdentity], "str | None"]

# A reply prefix: a person answering a bounce or an out-of-office (Outlook quotes the
# report with no "> " in front), or answering about one
_REPLIED = re.compile(r"^\s*(?:re|aw|sv|antw|odp|ynt|r|res|回复|答复|回覆|답장)\s*[:：]", re.IGNORECASE)
# Only with a failure report in the text (a customer writes about the failed delivery
# of an order too), and never forwarded: a person forwarding a bounce asks about it.
_BOUNCE_SUBJECT = re.compile(r"^\s*(?:undeliverable|undelivered|unzustellbar|"
    r"no se puede entregar|non recapitabile|non remis|onbestelbaar|mail error)\b|"
    r"undelivered mail returned to sender|delivery status notification \((?:failure|delay)\)|"
    r"mail delivery (?:failed|failure|problem|warning)|delivery (?:status )?warning|returned mail|delivery failure|failure notice|"
    r"non[- ]?delivery|delivery (?:has )?failed|could not be delivered|"
    r"delivery (?:notification|report)|warning: could not send|message (?:not|could not be) "
    r"delivered|mail system error|returned to sender|rejected mail|"
    r"mensaje no entregado|error de entrega|user unknown|failed mail\b|"
    # Japanese, Chinese and Korean carriers' and providers' reports
    r"メールエラー通知|配信エラー|配送エラー|配信不能|系统退信|退信通知|投递失败|发送失败|递送失败|"
    r"傳送失敗|반송|배달 실패", re.IGNORECASE)
# What a mail system's report says and a customer's message does not
_BOUNCE_EVIDENCE = re.compile(
    # an enhanced status code where a mail system writes one ("550 5.1.1", "Status: 5.1.1",
    # "#5.1.1"), not a version number; a bare "550" only beside its words
    r"(?:\b[45]\d\d[ -]|status:?\s*|#|\()[45]\.[0-7]\.\d{1,3}\b|"
    r"\b5[0-5]\d[ -].{0,60}?(?:user|mailbox|recipient|address|rejected|denied|unknown|relay)|"
    r"(?:could ?n[o']t|cannot|can ?not|can't) be delivered|(?:was|were|be|been) not (?:be )?delivered|"
    r"undeliverable|failed mail|"
    r"delivery (?:has )?failed|delivery failure|"
    r"(?:user|recipient|mailbox|address) (?:unknown|not found|unavailable|is full)|"
    r"unknown (?:user|recipient|address)|"
    r"no such (?:user|mailbox|recipient)|not a valid (?:user|recipient|mailbox)|"
    r"permanent (?:error|failure)|failed permanently|delivery to the following recipients? failed|"
    r"mail delivery (?:failed|system|subsystem)|"
    # a message sent round in circles
    r"exceeded (?:the )?max(?:imum)? hop count|hop count exceeded|too many hops|(?:mail|routing) loop detected|"
    # a delay warning
    r"has been (?:postponed|delayed)|will (?:continue|keep) (?:to )?try(?:ing)? to deliver|"
    r"returned to sender|no se ha podido entregar|no se pudo entregar", re.IGNORECASE)
_DAEMON_SENDER = re.compile(r"^(?:mailer-daemon|mail-daemon|mailerdaemon|mmdf|mail\.daemon|"
                            r"mdaemon|bounces?)@", re.IGNORECASE)
_SYSTEM_NAME = re.compile(r"system|mail|daemon|deliver|postmaster|admin|server|gateway|service|virus|notif|"
                          r"reply|robot|bounce|exchange|outlook|microsoft|google|yahoo|error|report|"
                          r"security|scanner|filter|spam|smtp|postfix|exim|qmail|sendmail|domino|lotus|"
                          r"groupwise|agent|automat|noreply|no-reply|\bit\b", re.IGNORECASE)
_DAEMON_NAME = re.compile(r"mail delivery (?:subsystem|system|service)|mailer[- ]daemon", re.IGNORECASE)
_DAEMON_RETURN_PATH = re.compile(r"mailer-daemon(?:@|$)", re.IGNORECASE)
# Roles people answer from too ("I am the mail admin at Cliente"): a bounce only with a
# failure report
_ROLE_SENDER = re.compile(r"^post_?master@", re.IGNORECASE)
_ROLE_NAME = re.compile(r"postmaster|mail administrator", re.IGNORECASE)
# The words open the subject and end there, at a colon or a dash, or go on as responders
# write ("Out of office until 5 May", "Out of Office AutoReply: x"): "Out of office
# replies not working" is a customer asking about theirs.
_AUTOREPLY_WORDS = (
    r"(?:respuesta autom[aá]tica|resposta autom[aáà]tica|fuera de la oficina|out[- ]of[- ](?:the[- ])?office|"
    r"automatic (?:reply|response)|automated (?:reply|response)|auto[- ]?reply|auto[- ]?response|"
    r"autoresponder|auto[- ]?generated|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|risposta automatica|"
    r"ausente|automatisch antwoord|automatiskt svar|automatisk svar|automaattinen vastaus|"
    r"odpowied[źz] automatyczna|automatyczna odpowied[źz]|automatick[aá] odpov[eě][dď]|automatikus v[aá]lasz|"
    r"автоматический ответ|автоответ|автоматична відповідь|αυτόματη απάντηση|r[ăa]spuns automat|"
    r"balasan otomatis|tr[ảa] l[ờo]i t[ựu] đ[ộo]ng|자동\s?(?:회신|응답)|תשובה אוטומטית|رد تلقائي|"
    r"otomatik yan[ıi]t|自动回复|自動回覆|自動応答|自動返信|"
    r"autom[aā]tisk[aā] atbilde|[aā]rpus biroja(?: atra[sš]an[aā]s autom[aā]tisk[aā] atbilde)?|automatinis atsakymas|automaatne vastus|"
    r"automatski odgovor|samodejni odgovor|автоматичен отговор|poza biurem|nicht im b[üu]ro|"
    r"afwezig|absen(?:t|ce) du bureau|fuori (?:ufficio|sede)|fora del despatx|fora do escrit[oó]rio|"
    r"autosvar|fr[åa]nvaro|frav[æa]r(?:ende)?|poissa toimistolta|отсутствие на работе|вне офиса|"
    r"aus[êe]ncia tempor[áa]ria|abwesend|不在通知)")
_AUTOREPLY_SUBJECT = re.compile(
    r"^\s*(?:[\[(]" + _AUTOREPLY_WORDS + r"[\])]|" + _AUTOREPLY_WORDS +
    r"(?:\s*(?:[:：\-–—(\[]|$)|\s+(?:re|autoreply|auto-reply|reply|until|till|from|for|hasta|bis|du)\b))|"
    r"^\s*(?:on (?:vacation|holidays?|leave)|de vacaciones)\s+(?:until|till|through|hasta)\b|"   # not "On holiday" alone
    r"^\s*auto:\s|"                                   # Lotus Notes: "AUTO: Ana is out of the office"
    r"^\s*(?:risposta:?\s+)?non al computer\s*[:：\-–—]|"  # Italian Notes: "Risposta Non al computer: ..."
    # the responder's mark in brackets after a subject: "Consulta (Out of Office - US Open)",
    # not "Avería (out of office hours)"
    r"[\[(]\s*(?:out[- ]of[- ](?:the[- ])?office|auto[- ]?reply|automatic reply)\s*(?:[\])\-–—:]|$)|"
    r"^\s*ooo\s*[:：\-–—]|"                           # "OOO: back on Monday"
    r"\bis (?:currently )?out of (?:the )?office\s*(?:[.(]|until\b|$)|"   # older Notes: "Ana is out of the office."
    r"^\s*ticket received\s*[-–:]|^\s*support ticket opened\b|"         # Freshdesk's and osTicket's acknowledgements
    # a responder saying what it is: "This is an automated response", "Esta es una respuesta automática"
    r"^\s*(?:this is an? (?:automated|automatic|auto-generated)|esta es una (?:respuesta|contestaci[oó]n) autom[aá]tica)"
    r"(?:\s+(?:response|reply|message|e-?mail|notification))?\s*(?:[.:!\-–—(\[]|$)",
    re.IGNORECASE)
# Not X-Auto-Response-Suppress: it asks others not to auto-reply, and gateways put it
# on every mail their people write
_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autoresponse", "x-autogenerated",
                      "x-autoreply-from", "x-auto-reply", "x-auto-reply-from", "x-mail-autoreply",
                      "x-fc-machinegenerated", "x-bluebottle-request", "x-amazon-auto-reply", "x-autosubmitted")
# Responders that say so only in their X-Mailer (KANA's customer-service acknowledgements)
_AUTOREPLY_MAILER = re.compile(r"^\s*kana response\b", re.IGNORECASE)
# Mailtraq marks its responders in a class header: "X-POST-MessageClass: 9; Autoresponder"
_CLASS_HEADER = "x-post-messageclass"
# Microsoft 365 marks a message a mailbox rule forwards as auto-generated
_RULE_AGENT = "mailbox rules agent"
_BULK_PRECEDENCE = ("bulk", "junk", "list")
# what Exchange's X-Auto-Response-Suppress lists when auto-replies should not be sent
_NO_AUTO_REPLY = frozenset({"all", "autoreply", "oof"})
# RFC 2369 and RFC 2919, and the older list managers' own (ezmlm, fml, SmartList); fml
# puts X-MLServer on its own error reports too ("Loop Alert: Duplicated Message-ID")
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe",
                 "mailing-list", "x-mailing-list", "x-ml-name", "x-mlserver", "x-ml-server")
# The verdicts of a filter that ran before us (SpamAssassin, rspamd, ClamAV, Amazon SES,
# Microsoft 365) and still let the message into the inbox: theirs, never a score of ours
_SPAM_MARKS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in (
    ("x-spam-flag", r"^\s*yes\b"),
    ("x-spam-status", r"^\s*yes\b"),
    ("x-spam", r"^\s*(?:yes|true|spam)\b"),
    ("x-ses-spam-verdict", r"^\s*fail\b"),
    ("x-ses-virus-verdict", r"^\s*fail\b"),
    ("x-virus-status", r"^\s*infected\b"),
    ("x-forefront-antispam-report", r"(?:^|;)\s*sfv:spm\s*(?:;|$)"),
)}
_NO = ("no", "false", "0")


def classify(msg: ParsedMessage, own: OwnIdentity, spam_marks: bool = True) -> Verdict:
    """`spam_marks`: False when an upstream filter's spam verdict is not to be followed
    (turned off, or an admin released the message)."""
    for kind, checks in _TABLE:
        if kind == "spam" and not spam_marks:
            continue
        for check in checks:
            reason = check(msg, own)
            if reason:
                return _verdict(kind, reason, msg, own)
    return Verdict("accept", "a person writing")


def _verdict(kind: str, reason: str, msg: ParsedMessage, own: OwnIdentity) -> Verdict:
    if kind != "bounce":
        return Verdict(kind, reason)
    return Verdict(kind, reason, bounce_info(msg, ignore=(own.support_address.lower(),)))


# --- own mail -------------------------------------------------------------------

def _x_loop(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    marker = _bare(own.loop_marker)
    hit = marker and any(_bare(v) == marker for v in msg.header_all("x-loop"))
    return f"X-Loop is ours ({own.loop_marker})" if hit else None


def _from_us(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    ours = msg.from_addr and msg.from_addr == own.support_address.lower()
    return "sent from the support address" if ours else None


def _our_message_id(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    ours = msg.has_message_id and is_our_message_id(
        msg.message_id, own.message_id_domain, own.secret)
    return "Message-ID signed by us" if ours else None


# --- bounces --------------------------------------------------------------------

def _dsn(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    return "delivery status notification (multipart/report)" if _is_dsn(msg) else None


def _delivery_receipt(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """A delivery report that only says "delivered" or "relayed": a return receipt,
    machine mail, not a failure (even when MAILER-DAEMON sends it)."""
    return "delivery report of a success" if _is_dsn(msg) and delivery_succeeded(msg) else None


def _is_dsn(msg: ParsedMessage) -> bool:
    report = msg.content_type == "multipart/report" and "delivery-status" in _report_type(msg)
    return report or any(a.content_type.endswith("delivery-status") for a in msg.attachments)


def _null_sender(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """No From and a null Return-Path: only mail systems send that (a vacation
    responder still says who it is)."""
    return "null sender and no From" if not msg.from_addr and null_return_path(msg) else None


def _failed_recipients(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    return "X-Failed-Recipients header" if msg.header("x-failed-recipients") is not None else None


def _daemon_sender(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    machine = _DAEMON_SENDER.match(msg.from_addr) or _DAEMON_NAME.search(msg.from_name)
    role_address = _ROLE_SENDER.match(msg.from_addr)
    role = role_address or _ROLE_NAME.search(msg.from_name)
    # a person writing from postmaster@ gives a return address; the mail system does not
    if machine or (role and (_bounce_subject_line(msg) or _failure_reported(msg))) or \
            (role_address and null_return_path(msg)):
        return f"sent by a mail system ({msg.from_addr or msg.from_name})"
    return None


def _failure_reported(msg: ParsedMessage) -> bool:
    """The text, outside any "> " quote, reads like a mail system's failure report: a
    customer quoting a bounce under their own words is not one."""
    if not _BOUNCE_EVIDENCE.search(msg.text):
        return False
    own_words = "\n".join(line for line in msg.text.splitlines() if not line.lstrip().startswith(">"))
    return _BOUNCE_EVIDENCE.search(own_words) is not None


def _bounce_subject(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    found = _bounce_subject_line(msg)
    # "Ana Pérez" writing "Undeliverable invoices: we get 550 5.1.1", and no returned
    # copy, is a customer
    if found and (null_return_path(msg) or (_failure_reported(msg) and not (
            _personal_name(msg.from_name) and not returns_a_copy(msg)))):
        return f"bounce subject ({found.group(0).strip()})"
    return None


def _personal_name(name: str) -> bool:
    """A sender's name that is a person's, not a mail system's ("Jetmail System",
    "Microsoft Outlook", "e500 SMTP Mail Service")."""
    name = name.strip()
    return bool(name) and "@" not in name and not any(c.isdigit() for c in name) \
        and _SYSTEM_NAME.search(name) is None


def _bounce_subject_line(msg: ParsedMessage) -> re.Match | None:
    if is_forward(msg.subject):
        return None
    found = _BOUNCE_SUBJECT.search(msg.subject)
    replied = found and _REPLIED.match(msg.subject)
    # "RE: Undeliverable: x" answers a bounce; a report that only appends its words to
    # a subject that began with "RE:" ("RE: x : non remis (delivery failed)") is one
    if replied and not msg.subject[replied.end():found.start()].strip(" :："):
        return None
    return found


def _ses_bounce(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    notice = ses_notification(msg.text)
    return "Amazon SES bounce notification" if notice and notice.kind == "bounce" else None


def _empty_return_path(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    bounce = null_return_path(msg) and _failure_reported(msg)
    return "empty Return-Path and a delivery failure report" if bounce else None


def null_return_path(msg: ParsedMessage, blank_counts: bool = True) -> bool:
    """<> (written "< >" by some), or <MAILER-DAEMON@host>: what a forwarding server
    writes for the null sender. A blank value is no path at all (gateways and imports
    write it): beside other evidence (no From, a failure report) it reads as the null
    sender; alone (`blank_counts=False`) it cannot make a person's mail a robot's."""
    nulls = ("<>", "") if blank_counts else ("<>",)
    return any("".join(v.split()) in nulls or _DAEMON_RETURN_PATH.match(_bare(v))
               for v in msg.header_all("return-path"))


# --- auto-replies ---------------------------------------------------------------

_REPORT_PARTS = ("message/feedback-report", "message/disposition-notification")
_HOTMAIL_COMPLAINT = re.compile(r"complaint about message from", re.IGNORECASE)
# Outlook's own read and delivery receipts between Exchange users: one TNEF part
# (winmail.dat) and the subject is all a reader sees of them
_TNEF_RECEIPT = re.compile(
    r"^\s*(?:(?:not )?read|delivered|(?:no )?le[ií]do|entregado|(?:un)?gelesen|zugestellt|(?:non )?lu|remis|"
    r"(?:non )?letto|recapitato|(?:não )?lido|entregue|(?:niet )?gelezen|bezorgd|(?:oläst|läst)|levererat)\s*:",
    re.IGNORECASE)
# GroupWise's status tracking, sent from the reader's own address
_GROUPWISE_STATUS = re.compile(r"^\s*message status\s*-\s*(?:delivered|opened|deleted|completed|"
                               r"accepted|declined|retracted)\s*$", re.IGNORECASE)
_NOT_BOUNCE_REPORTS = ("feedback-report",)   # Dovecot's rejection is a disposition notification
_ABUSE_PART = "message/feedback-report"
# RFC 7489's subject for aggregate reports, mailed as a zip or gzip with no report type
_DMARC_AGGREGATE = re.compile(r"^\s*report domain:\s*\S+\s+(?:submitter|report-id):", re.IGNORECASE)
# RFC 7489's name for an aggregate report file: receiver!policy domain!begin!end
_DMARC_FILE = re.compile(r"^[^!\s]+![^!\s]+!\d+!\d+(?:![^!\s]+)?\.(?:xml|zip|gz|xml\.gz)$", re.IGNORECASE)


def _machine_report(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """Abuse and DMARC reports, read receipts, return receipts: written by software,
    about a message; failed deliveries are bounces, recognised before."""
    kinds = [a.content_type for a in msg.attachments if a.content_type in _REPORT_PARTS]
    if msg.content_type == "multipart/report" or kinds:
        kind = _report_type(msg) or (kinds[0] if kinds else "no report type")
        return f"machine-written report ({kind})"
    if msg.content_type == "application/ms-tnef" and _TNEF_RECEIPT.match(msg.subject):
        return "machine-written report (Outlook receipt)"
    if _GROUPWISE_STATUS.match(msg.subject):
        return "machine-written report (GroupWise status)"
    if _HOTMAIL_COMPLAINT.match(msg.subject) and (msg.from_addr == "staff@hotmail.com" or _only_enclosed(msg)):
        return "machine-written report (Hotmail complaint)"   # Microsoft's own format (JMRP)
    if _DMARC_AGGREGATE.match(msg.subject) or any(_DMARC_FILE.match(a.filename) for a in msg.attachments):
        return "machine-written report (DMARC aggregate)"
    return None


def _only_enclosed(msg: ParsedMessage) -> bool:
    """No text, only the enclosed message: nobody wrote this."""
    return not msg.text.strip() and bool(msg.attachments) and \
        all(a.content_type == "message/rfc822" for a in msg.attachments)


def _feedback_report(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """An abuse report (ARF) is never a bounce, whoever sends it (some come from a bare
    MAILER-DAEMON), nor when its report type says delivery-status by mistake: the
    complaining customer's address must not be taken as failing."""
    abuse = _report_type(msg) in _NOT_BOUNCE_REPORTS or any(
        a.content_type == _ABUSE_PART for a in msg.attachments)
    return _machine_report(msg, own) if abuse else None


def _null_return_path_reply(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """A null Return-Path with no failure report: a responder (RFC 3834 asks them to
    use the null sender), never a person writing."""
    return "empty Return-Path (automatic responder)" if null_return_path(msg, blank_counts=False) else None


def _ses_report(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    notice = ses_notification(msg.text)
    return f"Amazon SES {notice.kind} notification" if notice else None


def _auto_submitted(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    value = (msg.header("auto-submitted") or "").split(";")[0].strip().lower()
    # auto-forwarded: a person's mail passed on by a forwarding rule, still theirs
    if not value or value in ("no", "auto-forwarded") or _forwarded_by_rule(msg):
        return None
    return f"Auto-Submitted: {value}"


def asks_for_no_auto_reply(msg: ParsedMessage) -> str | None:
    """A mail we accept as a person's that still asks not to be answered automatically:
    Exchange's X-Auto-Response-Suppress (All, AutoReply or OOF), or another system's
    X-Loop (a helpdesk or list that would answer our acknowledgement with its own). The
    ticket opens; only the acknowledgement is left out. Why, or None."""
    suppressed = _NO_AUTO_REPLY & {_word(v) for value in msg.header_all("x-auto-response-suppress")
                                   for v in value.split(",")}
    if suppressed:
        return "X-Auto-Response-Suppress: " + ", ".join(sorted(suppressed))
    loop = next((v.strip() for v in msg.header_all("x-loop") if v.strip()), None)
    return f"X-Loop: {loop[:60]}" if loop else None


def _forwarded_by_rule(msg: ParsedMessage) -> bool:
    """A customer's mail that a Microsoft 365 inbox rule forwards (info@ to support@)
    arrives marked auto-generated; the rule agent and the "FW:" tell it apart from a
    responder's."""
    agent = (msg.header("x-ms-exchange-generated-message-source") or "").lower()
    return _RULE_AGENT in agent and is_forward(msg.subject)


def _autoreply_header(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    for name in _AUTOREPLY_HEADERS:
        value = msg.header(name)
        if value is not None and value.strip().lower() not in _NO:
            return f"{name} header"
    if "autoresponder" in (msg.header(_CLASS_HEADER) or "").lower():
        return f"{_CLASS_HEADER} header"
    if _AUTOREPLY_MAILER.match(msg.header("x-mailer") or ""):
        return f"X-Mailer: {msg.header('x-mailer').strip()[:40]}"
    return None


def _auto_precedence(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    return "Precedence: auto_reply" if any(_word(v) == "auto_reply" for v in _precedences(msg)) else None


def _precedences(msg: ParsedMessage) -> tuple[str, ...]:
    return msg.header_all("precedence") + msg.header_all("x-precedence")


def _autoreply_subject(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    found = _AUTOREPLY_SUBJECT.search(msg.subject)
    return f"auto-reply subject ({found.group(0).strip(' :：-–—([])')})" if found else None


# --- spam -----------------------------------------------------------------------

def _spam_mark(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    for name, value in msg.headers:         # one pass: every message comes through here
        says_spam = _SPAM_MARKS.get(name)
        if says_spam is not None and says_spam.search(value):
            return f"{name}: {value.strip()[:60]}"
    return None


# --- bulk -----------------------------------------------------------------------

def _bulk_precedence(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    """Every value counts: a relay may add its own Precedence above the sender's."""
    value = next((word for word in map(_word, _precedences(msg)) if word in _BULK_PRECEDENCE), None)
    return f"Precedence: {value}" if value and not _our_group(msg, own) else None


def _our_group(msg: ParsedMessage, own: OwnIdentity) -> bool:
    """The support address is itself a group (Google Groups, a Microsoft 365 group)
    that passes every customer's mail on with list headers: its list id is the
    support address written with a dot for the "@" (or, by some, with the "@"), in
    angle brackets or, unbracketed, as the first word ("soporte@x Mailing List")."""
    ours = {own.support_address.lower(), own.support_address.lower().replace("@", ".")}
    return any(_list_id(v) in ours for v in msg.header_all("list-id"))


def _list_id(value: str) -> str:
    bare = _bare(value)
    return bare.rsplit("<", 1)[-1] if "<" in bare else next(iter(bare.split()), "")


def _list_headers(msg: ParsedMessage, own: OwnIdentity) -> str | None:
    if _our_group(msg, own):
        return None
    name = next((key for key, _ in msg.headers if key in _LIST_HEADERS), None)
    return f"mailing list ({name} header)" if name else None


def _report_type(msg: ParsedMessage) -> str:
    found = re.search(r"report-type\s*=\s*\"?([\w-]+)", msg.header("content-type") or "", re.I)
    return found.group(1).lower() if found else ""


def _word(value: str) -> str:
    return value.strip().split(None, 1)[0].lower() if value.strip() else ""


def _bare(value: str) -> str:
    return value.strip().strip("<>").strip().lower()


# The order is the policy. Strong bounce evidence outranks auto-reply headers (mail
# systems set Auto-Submitted on bounces too); an empty Return-Path alone is weak,
# because vacation responders use the null sender as well (RFC 3834): a bounce only
# with a failure report in the text, else an automatic reply.
_TABLE: tuple[tuple[str, tuple[Check, ...]], ...] = (
    ("own", (_x_loop, _from_us, _our_message_id)),
    ("autoreply", (_delivery_receipt, _feedback_report)),
    ("bounce", (_dsn, _failed_recipients, _daemon_sender, _null_sender, _bounce_subject,
                _ses_bounce)),
    ("autoreply", (_auto_submitted, _autoreply_header, _auto_precedence, _autoreply_subject,
                   _machine_report, _ses_report)),
    ("bounce", (_empty_return_path,)),
    ("autoreply", (_null_return_path_reply,)),
    ("spam", (_spam_mark,)),
    ("bulk", (_bulk_precedence, _list_headers)),
)
