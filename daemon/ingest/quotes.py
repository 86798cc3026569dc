"""Split a plain-text email body into what the author wrote now, the quoted history
and the signature: split_reply(text) -> Reply.
Conservative: text that is not clearly quoted or a signature stays visible, interleaved
quotes stay as context, forwarded mail is kept whole. Pure, linear time: every pattern is
anchored and only ever runs on one short line (or three joined), never on the whole body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    visible: str    # what the person wrote now (may keep interleaved "> " context)
    quoted: str     # the quoted history: trailing quote blocks and reply headers
    signature: str  # signature blocks and list footers found under the visible text


_MAX_HEADER = 300   # a longer line is prose, never a header: keeps the regexes cheap
_SIG_WINDOW = 40    # a "--" delimiter further than this from the end is content
_GREETING_MAX = 40  # a salutation alone on its line is shorter than this
_PROSE_MIN = 40     # a signature's first line (a name, a title) is shorter than this
_FOOTER_LINES = 6   # a "____" line with at most this many lines after it is a footer

# Attribution lines ("On <date>, Ana <ana@x> wrote:"). Any opening goes with any closing:
# mail clients mix the languages of their locale and of the person quoted.
_OPENINGS = ("on ", "el ", "am ", "le ", "em ", "il ", "op ", "den ", "på ", "w dniu ",
             "dnia ", "dne ", "vào ", "在", "in data ", "no dia ", "στις ", "wiadomość ", "в ")
_CLOSING_WORDS = (
    r"(?:\b(?:wrote|writes|sent|escribi[oó]|escribieron|escribiu|escreveu|ha escrit|va escriure|"
    r"a [ée]crit|ha scritto|scrive|hat geschrieben|het volgende geschreven|geschreven|"
    r"napisa[lł](?:\(a\)|a)?|pisze|nap[ií]?sal(?:\(a\)|a)?|kirjoitti|yazd[ıi]|nades[lł]a[lł]|"
    r"napisao(?: je)?|napisala(?: je)?|ra[sš][eė]|menulis|"
    r"написал(?:\(а\)|а)?|написав|написала|пишет|пише|писал(?:\(а\)|а)?|написа|írta|đã viết|"
    r"ha escrito|pi[šs]e|kirjutas|rakstīja|shkroi|membalas|idatzi zuen|yazm[ıi]ş|yazd[ıi])"
    r"|έγραψε|a scris|كتب|نوشت|เขียนว่า"
    r"|写道|寫道|来信|來信|撰写|撰寫|작성|のメッセージ|書きました|提到|寫下|寫到|쓴 글|쓴 내용)")
# verbs that come before the date: "Ana <ana@x> schrieb am Di., 8. Aug. 2023, 10:42:"
_VERBS_BEFORE_DATE = (r"schrieb|schreef|skrev|kirjoitti|írta|napisana przez|wrote on|escribi[oó]|escreveu|"
                      r"a [ée]crit|ha scritto|писал|написал")
_CLOSING = re.compile(_CLOSING_WORDS + r"\s?:$|\b(?:" + _VERBS_BEFORE_DATE + r")\b.*:$")
# Horde/IMP: "Quoting Ana <ana@x>:", "Zitat von Ana <ana@x>:"
_QUOTING = re.compile(r"(?:quoting|zitat von|citando a?|citation de|cytuję|cytowanie|citeren|cituji|citerar|"
                      r"цитирую|alıntı|引用|引述)\s.*@.*:$")
# Without a known opening ("Ana <ana@x> wrote:") it only counts right above a quote, and
# only with the address right before the word: "I asked bob@x what he wrote:" is prose.
_ADDRESS_THEN_VERB = r"@[^\s@]*[\s\]>)\"']*" + _CLOSING_WORDS
_ADDRESS_THEN_FEW_WORDS = re.compile(r"@[^\s@<>()\[\]]+[>)\]]['\"]?(?:\s*[^\s<>@:]+){0,4}\s?:$")
_LOOSE_SENDER = re.compile(_ADDRESS_THEN_VERB + r"\s?:$")
# ... but a line that is nothing but the sender and the verb ("Ana <ana@x> schrieb:",
# "ana@x wrote:") is a header wherever it stands
_SENDER = (r"(?:(?:\"?[^\s\"<>@:]+(?: [^\s\"<>@:]+){0,4}\"?\s*)?[<(\[][^\s@<>()\[\]]+@[^\s@<>()\[\]]+[>)\]]|"
           r"[^\s@<>()\[\]]+@[^\s@<>()\[\]]+)")
_SENDER_ONLY = re.compile(r"^" + _SENDER + r"\s*(?:" + _CLOSING_WORDS + r"|" + _VERBS_BEFORE_DATE + r")\s?:$")
# Gmail in German, Dutch, Nordic and Hungarian: the sender, then the verb, then the date
_SENDER_THEN_DATE = re.compile(_SENDER + r"\s*(?:" + _VERBS_BEFORE_DATE + r")\b")
# Mail a list or forum passes on names its sender "Ana via Soporte": a header with neither
# date nor address, only right above a quote ("The technician wrote:" stays prose)
_VIA_SENDER = re.compile(r"^[^\s:@<>]+(?: [^\s:@<>]+){0,4} via [^\s:@<>]+(?: [^\s:@<>]+){0,3} "
                         + _CLOSING_WORDS + r"\s?:$")
# Some clients drop the colon ("On ..., Ana <ana@x> wrote"): only right above a quote
_BARE_CLOSING = re.compile(_CLOSING_WORDS + r"$")
_BARE_SENDER = re.compile(_ADDRESS_THEN_VERB + r"$")
# A date first, as Gmail and Apple write them in many locales ("2014-03-20 8:48 GMT+01:00
# Ana <ana@x>:", "tir. 18. apr. 2017 kl. 13:09 skrev Ana <ana@x>:").
_DATE_FIRST = re.compile(r"(?:[^\W\d_]{2,4}\.?,?\s+)?\d")
_GMAIL_DATE_FIRST = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\.?,?\s+"
    r"\d{1,2}:\d{2}\b.*@\S*\s?:$")
# "reply text On Wed, ... wrote:": a capitalised opening after text on the same line
# Old Gmail, with the date alone: "2013/11/1 Ana <ana@x>:"
_GMAIL_DATE_ONLY = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+[^\d\s].*@\S*\s?:$")
_CJK_SENDER_KEY = re.compile(r"差出人|发件人|發件人|寄件者")
_CJK_SENDER = re.compile(rf"^(.*?\S)((?:{_CJK_SENDER_KEY.pattern})\s?[:：].*)$")
_GLUED_OPENING = re.compile(r"(?:\s|-{2,})(On|El|Am|Le|Em|Il|Op|Den|På|W dniu|Dnia|Vào) ")
# Android's "---- Ana wrote ----" and "-----On <date>, Ana wrote-----"
_DASHED_ATTRIBUTION = re.compile(r"-{2,}\s*(.{1,200}?)\s*-{2,}$")
_CLOCK = re.compile(r"\d{1,2}[:.h]\d{2}")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
# A header with no verb: a date and time, then the sender's address ("ср, 30 апр. 2025 г.
# в 15:19, Ana <ana@x>:", "30.09.2017, 18.30, \"Ana\" <ana@x>:")
_ADDRESS_END = re.compile(r"@[^\s@<>]+>?\s?:$")
# "See my answers below in red", "respuestas entre líneas", "Antworten unten"
_BELOW = re.compile(
    r"\b(?:answers?|comments?|replies|responses?|notes|respuestas?|comentarios?|antworten|kommentare|"
    r"r[ée]ponses?|commentaires|respostas?|coment[aá]rios|risposte|commenti)\b[^.!?]{0,40}?"
    r"(?:\bbelow\b|\binline\b|\bin[- ]line\b|\bin (?:red|blue|green|bold)\b|\babajo\b|\bdebajo\b|"
    r"\ben (?:rojo|azul|verde|negrita)\b|\ben l[ií]nea\b|\bentre l[ií]neas\b|\bintercalad[ao]s\b|\bunten\b|"
    r"\bin rot\b|ci-dessous|\ben rouge\b|\babaixo\b|\bem vermelho\b|\bsotto\b|\bin rosso\b)|"
    r"\b(?:see|ver|v[ée]ase|siehe|voir|vedi)\b[^.!?]{0,20}?(?:\bbelow\b|\babajo\b|\bdebajo\b|\bunten\b|"
    r"ci-dessous|\babaixo\b|\bsotto\b)")
# The line our mail opens with ("##- Escriba su respuesta encima de esta línea -##",
# templates/email/_reply_above.txt.j2), as the client quoted it, or another help desk's:
# Zendesk's has the same dashes, a forum's or an earlier desk's only the hashes
# ("## Please type your reply above this line. ##")
_ABOVE_THIS_LINE = (r"(?i:above this line|[üu]ber dieser zeile|oberhalb dieser zeile|encima de esta l[ií]nea|"
                    r"au-dessus de cette ligne|acima desta linha|sopra questa (?:riga|linea))")
_REPLY_ABOVE = re.compile(r"[>\s]*#{2}(?:-\s.{4,120}\s-|\s(?=.{0,120}" + _ABOVE_THIS_LINE + r").{4,120}\s)#{2}\s*$")
_LINK_END = re.compile(r"https?://\S+$")
_URL_REST = re.compile(r"[\w\-.~/?#\[\]@!$&'()*+,;=%]{1,200}")

_ORIGINAL = re.compile(     # the opening dashes cut to one, glued ("-Reply message -----": HTC on Sprint)
    r"(?:[-‐‑–—]{2,}\s*|-(?=\w))(?:original message|original|reply message|mensaje original|missatge original|"
    r"ursprüngliche nachricht|antwort nachricht|original-?nachricht|message d'origine|message original|"
    r"messaggio originale|mensagem original|oorspronkelijk bericht|"
    r"oprindelig (?:meddelelse|besked)|opprinnelig melding|originalmeddelande|"
    r"ursprungligt meddelande|"
    r"alkuperäinen viesti|wiadomość oryginalna|původní zpráva|eredeti üzenet|"
    r"исходное сообщение|оригинальное сообщение|原始邮件|原始郵件|邮件原件|origineel bericht|"
    # as the mail programs' translations write it (Thunderbird, Evolution, Roundcube, SOGo)
    r"message initial|courriel original|початкове повідомлення|оригінальне повідомлення|"
    r"原始消息|原始信息|原始訊息|元のメッセージ|원본 메시지|treść oryginalnej wiadomości|"
    r"[öo]zg[üu]n [İi]leti|orjinal [İi]leti|الرسالة الأصلية|הודעה מקורית|αρχικό μήνυμα|mesajul original|"
    r"originalus laiškas|pesan asli|mesej asal|thư gốc|izvorna poruka|originalna poruka|"
    r"izvirno sporočilo|original besked|orginalmeddelande|orginalpost|oorspronkelijke? bericht|"
    r"orgineel bericht|پیام اصلی|मूल संदेश|mensaxe orixinal|sākotnējā vēstule|оригинално писмо|"
    r"opphavleg melding|opprinneleg melding|mesazhi origjinal|ข้อความเดิม|ข้อความต้นฉบับ|"
    r"الرسالة الأساسية|الرسالة الأصليَّة|algne kiri|algupärane sõnum|pôvodná správa|изворна порука|"
    r"oorspronklike boodskap|oprindeligt brev|मौलिक संदेश|оригинална порака|jatorrizko mezua|"
    r"messatge original)\s*[-‐‑–—]{2,}",
    re.IGNORECASE)
# A label between dashes we do not know, in any language ("-------- Edastatud kiri --------")
_DASHED_LABEL = re.compile(r"[-‐‑–—━]{2,}\s*[^\W\d_][^@\d:]{1,60}?\s*[-‐‑–—━]{2,}$")
_FORWARD = re.compile(
    r"(?:-{2,}\s*(?:forwarded message|mensaje reenviado|weitergeleitete nachricht|"
    r"message transf[ée]r[ée]|messaggio inoltrato|mensagem encaminhada|"
    r"doorgestuurd bericht|vidarebefordrat meddelande|videresendt (?:meddelelse|besked|melding)|"
    r"välitetty viesti|przekazana wiadomość|přeposlaná zpráva|пересылаемое сообщение|"
    r"mensagem reencaminhada|перенаправленное сообщение|переслане повідомлення|пересланий лист|"
    r"转发的消息|转发的信息|转发的信件|轉遞的郵件|轉寄的訊息|전달된 메시지|treść przekazanej wiadomości|"
    r"[İi]letilen [İi]leti|yönlendirilen ileti|yönlendirilmiş [İi]leti|missatge reenviat|"
    r"továbbított (?:üzenet|levél)|mesaj înaintat|mensaxe reenviada|mensaxe reencamiñada|"
    r"препратено писмо|videresendt brev|messatge transferit|wiadomość przekazywana|przekazywana wiadomość|"
    r"ďalej odoslaná správa|preposlaná správa|posredovano sporočilo|prosl[ij]?jeđena poruka|"
    r"prosleđena poruka|прослеђена порука|προωθημένο μήνυμα|edasisuunatud kiri|birbidalitako mezua|"
    r"edelleenlähetetty viesti|pesan yang diteruskan|persiųstas laiškas|mesej dimajukan|"
    r"thư được chuyển tiếp|رسالة معاد توجيهها|הודעה שהועברה|پیام ارسال مجدد شده)\s*-{2,}|"
    r"-{2,}\s*(?:forwarded message from|weitergeleitete nachricht von|message transf[ée]r[ée] de|"
    r"videresendt besked fra|välitetty viesti osoitteesta|zpráva přeposlaná od|przekierowywany list od|"
    r"missatge reenviat de)"
    r"\s.{1,200}?-{2,}|-{2,}.{1,200}?\skişisinden iletilen ileti\s*-{2,}|"
    r"(?:begin )?forwarded message\s?:|"
    r"(?:inicio|comienzo) del mensaje reenviado\s?:|d[ée]but du message r[ée]exp[ée]di[ée]\s?:)$",
    re.IGNORECASE)

# Outlook-style header blocks ("De: / Enviado: / Para: / Asunto:"), by key group.
_HEADER_KEYS = {
    "from": {"from", "de", "von", "van", "da", "från", "fra", "od", "от", "feladó",
             "lähettäjä", "kimden", "nadawca", "发件人", "寄件者", "差出人", "보낸 사람",
             "від", "από", "de la", "dari", "từ", "מאת", "من", "مِن", "remitente", "mittente", "afzender",
             "gönderen", "gönderici", "odesílatel", "від кого", "從", "発信者",
             # as the mail programs' translations label it (Thunderbird, Evolution, Roundcube)
             "šalje", "frá", "frå", "ад", "saatja", "no", "daripada", "nga", "од", "nork", "fan", "ó",
             "шаље", "จาก", "di", "vun", "المرسل", "प्रेषक", "lähettäjä", "oddi wrth"},
    "date": {"sent", "date", "enviado", "enviado el", "enviat", "fecha", "data", "gesendet",
             "datum", "envoyé", "envoyé le", "envoye", "envoye le", "inviato", "verzonden", "enviada em", "sendt",
             "skickat", "dato", "wysłano", "wysłane", "odesláno", "отправлено", "дата",
             "küldve", "dátum", "lähetetty", "päivämäärä", "gönderildi", "tarih",
             "message du", "日期", "发送时间", "寄件日期", "送信日時", "날짜", "보낸 날짜",
             "elküldve", "odoslané", "poslano", "надіслано", "στάλθηκε", "trimis", "dikirim",
             "đã gửi", "נשלח", "تاريخ الإرسال", "تم الإرسال",
             "päiväys", "ημερομηνία", "kuupäev", "תאריך", "tanggal", "dagsetning", "datums", "tarikh",
             "datë", "датум", "วันที่", "ngày", "التاريخ", "data e", "dyddiad"},
    "to": {"to", "para", "per a", "an", "à", "a", "aan", "til", "till", "do", "komu",
           "кому", "címzett", "vastaanottaja", "kime", "adresat", "收件人", "收件者",
           "宛先", "받는 사람", "za", "προς", "către", "kepada", "đến", "אל", "إلى", "المستقبل",
           "да", "saaja", "prima", "uz", "për", "прима", "ถึง", "tới", "до"},
    "subject": {"subject", "asunto", "assumpte", "betreff", "objet", "sujet", "oggetto",
                "onderwerp", "assunto", "emne", "ämne", "temat", "předmět", "тема",
                "tárgy", "aihe", "konu", "主题", "主旨", "件名", "제목", "predmet", "θέμα",
                "subiect", "subjek", "chủ đề", "נושא", "الموضوع",
                "тэма", "teema", "naslov", "viðfangsefni", "temats", "subjekt", "หัวเรื่อง", "tiêu đề",
                "pwnc"},
    "other": {"cc", "cco", "bcc", "reply-to", "responder a", "importance", "importancia",
              "copie à", "kopia", "копия", "抄送", "副本", "cc 收件者", "참조"},
}
_HEADER_BLOCK_SPAN = 12
# transport headers, never in a reply's header block: pasted, they are evidence
_RAW_HEADER = re.compile(r"\s*(?:message-id|received|return-path|mime-version|content-type|in-reply-to|"
                         r"references|delivered-to|dkim-signature|x-[\w-]{1,40})\s*:", re.IGNORECASE)
_GLUED_KEY = re.compile(r"(?<=.)(Sent|Date|To|Subject|Cc|Enviado|Fecha|Para|Asunto|Gesendet|An|Betreff|"
                        r"Envoyé|À|Objet|Inviato|Oggetto|Verzonden|Aan|Onderwerp):\s")

_MOBILE = re.compile(
    r"[(\[<«]*\s*(?:"
    r"(?:sent|enviado|enviat|envoy[ée]|inviato|verstuurd|verzonden|skickat|sendt|gesendet|"
    r"wysłane|отправлено|lähetetty|trimis|odesláno|odoslané)(?:\s+(?:wirelessly|sans fil))?\s+"
    r"(?:from|with|via|desde|des de|des del|con|de|da|dal|dalla|do|depuis|par|à partir de|vanaf|"
    r"vanuit|met|från|fra|von|mit|z|zo|с|из|de pe)\s+"
    r"(?:my|mi|el meu|meu|mon|ma|mio|mijn|min|meinem|der|mojego|моего|mého|môjho|a (?:phone|mobile|cell)|"
    r"outlook|mail|mailbox|airmail|spark|bluemail|typeapp|windows|correo|yahoo|gmail|aol|"
    r"proton\w*|"
    r"samsung|galaxy|huawei|xiaomi|htc|blackberry|iphone|ipad|android|mobile|phone|cell)\b"
    r"[^,;:!?<>()\[\]]{0,60}"
    # "my Verizon, Samsung Galaxy smartphone": brand names only after the comma
    r"(?:,\s*(?-i:[A-Z][\w&®-]*\s+){1,3}(?:smartphone|phone|device|tablet))?"
    # the verb left out, or "by" a device (never "by my colleague"): "From my iPhone 6",
    # "Desde mi Samsung", "<<sent by galaxy>>"
    r"|(?:from my|desde mi|sent by(?: my)?)\s+(?:iphone|ipad|android|samsung|galaxy|huawei|xiaomi|blackberry|mobile|"
    r"phone|cell(?:phone)?|smartphone|m[oó]vil|celular)\b[\w .-]{0,20}"
    r"|(?:get|obtener|obt[ée]n|descargar?|download|t[ée]l[ée]charger|herunterladen|hent|scarica|"
    r"skaffa|pobierz(?: aplikację)?|obter o|obtenha o)\s+"
    r"outlook\s+(?:for|para|pour|voor|für|til|per|för|dla(?: systemu)?)\s+\w+(?: \w+)?"
    r"|outlook\s+(?:für|voor)\s+(?:ios|android)\s+(?:beziehen|herunterladen|downloaden)"
    r"|lähetetty\s+\w{1,30}sta|az\s+\S{1,30}\s+küldve|(?:أُ?رسلت|اُرسلت)\s+من\s+[^<>]{1,40}"
    r"|(?:diese nachricht wurde )?von\s+meinem\s+[^,;:!?<>]{1,60}\s+gesendet"
    r"|(?:发自|發自|從)我的\s*\S{1,30}?(?:\s*傳送)?|从我的\s*\S{1,30}?发送|\S{1,30}\s?から送信"
    r"|\S{1,40}\s+gönderildi|내\s+\S{1,30}에서\s+보냄"
    # Proton in other languages: "Enviado con el correo electrónico seguro de Proton Mail."
    r"|(?:enviado|envoy[ée]|gesendet|inviato|verzonden|enviada)\s+(?:con|avec|mit|met|com)\s+"
    r"[^<>()\[\]]{0,60}\bproton\s?mail\b"
    r")[.!]?(?:[,.]?\s+(?:please\s+)?(?:excuse|disculp|perd[oó]n|pardon)[^<>]{0,60})?"
    r"\s*[)\]>»]*(?:\s*<[^<>\s]{0,200}>|\s*https?://\S{1,200}|\s*\(https?://[^()\s]{1,200}\))?"
    # "Sent from Mail<link> for Windows 10", "Sent with Proton Mail (link) secure email."
    r"(?:\s+(?:for|para|pour|für) windows(?: 1[01])?|\s+secure email\.?)?$",
    re.IGNORECASE)
_LONE_DASHES = ("-", "–", "—", "---")
# The mark a read-tracking extension (Streak, Mailtrack) leaves alone under a Gmail message
_TRACKER_MARK = "\u1427"
# A link in a plain-text part written the Markdown way (Proton, Windows Mail):
# "Sent from [Proton Mail](https://proton.me/mail/home) for Android."
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]{1,60})\]\((?:https?|mailto):[^()\s]{1,200}\)")
# What a list or company footer under a "____" rule speaks of (a link, an address...)
_FOOTER_HINT = re.compile(
    r"@|https?://|www\.|unsubscri|subscri|mailing list|listinfo|google groups|"
    r"confiden|disclaimer|darse de baja|suscri|abmelden|désabonn|d[ée]sinscri|"
    r"you (?:are )?receiv|recib", re.IGNORECASE)
# ... and under a short rule ("__"), only what names a list: "__" alone is a blank to fill
_LIST_HINT = re.compile(r"mailing list|listinfo|google groups|unsubscri|lista de correo", re.IGNORECASE)
# What a gateway or a list appends under the whole message, quote included: each pattern
# is one kind of cue, and a paragraph must show two kinds (or the banner) to be taken
_BOILERPLATE_CUES = tuple(re.compile(cue, re.IGNORECASE) for cue in (
    r"mailing list|listinfo|google groups|lista de correo|you (?:are )?receiv\w* this|est[áa]s? recibiendo",
    r"unsubscri|darse de baja|date de baja|abmelden|d[ée]sabonn|d[ée]sinscri",
    r"https?://|www\.",
    r"\b(?:e-?mails?|messages?|communications?|attachments?|mensajes?|correos?|informaci[óo]n|nachricht|"
    r"courriels?)\b.{0,80}?\b(?:confidential|privileged|confidencial|vertraulich|confidentiel|riservat)",
    r"received (?:this|it)\b.{0,40}?\bin error|by mistake|notify the sender|delete (?:it|this|the)\b|"
    r"por error|irrt[üu]mlich|f[äa]lschlich|par erreur|per errore"))
_EXTERNAL_BANNER = re.compile(r"originated (?:from )?outside (?:of )?(?:the|your|our) (?:organi[sz]ation|company)",
                              re.IGNORECASE)
# a notice speaks of "you" and "this message"; a person's last words say I, me, my
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|mine|yo|mis?|ich|mich|mir|mein\w*|je|moi|mon|mes|eu|meu|"
                           r"minha|io|mio|mia)\b|\bj'", re.IGNORECASE)
_BOILERPLATE_LINES = 12
_SIGN_OFF_LINES = 3      # "Best regards," / "Roman Tkachenko" / "Acme": no more
_CLOSING_LINE = re.compile(
    r"(?:many |muchas |mil )?(?:thanks?|thank you|cheers|regards|best|kind regards|best regards|gracias|"
    r"saludos|un saludo|atentamente|cordialmente|un abrazo|danke|gru(?:ß|ss)|merci|cordialement|grazie|"
    r"obrigad[oa]|abra[çc]os)\b", re.IGNORECASE)
_SIGN_OFF = re.compile(r"(?:-{1,2}|[–—])(?=[^\W\d_])[^\W\d_a-zß-ÿ][\w.'’]*(?: [\w.'’]+){0,2}$")


def split_reply(text: str, *, forwarded: bool = False) -> Reply:
    """Split a reply. forwarded=True (the subject says Fwd:/RV:/WG:...) keeps it all."""
    lines = _unglued(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    above = len(lines) if forwarded else _reply_above(lines)
    marker = None if forwarded else _first_marker(lines[:above])
    if forwarded or (marker is not None and marker[0] == "forward"):
        return Reply(_join(lines), "", "")  # staff open tickets by forwarding: keep it
    cut = above if marker is None else marker[1]
    visible, quoted, signature = _peel(lines[:cut])
    if not _has_text(visible) and not _has_text(signature) and cut < len(lines):
        cut = len(lines)  # nothing written above the history: not sure it IS history
        visible, quoted, signature = _peel(lines)
    if not _has_text(visible) and not _has_text(signature) and not _has_header(quoted):
        return Reply(_join(lines), "", "")   # only "> " lines, under no reply header: a quotation sent on purpose
    if (opening := _history_on_top(visible)) is not None:
        visible, quoted = visible[opening:], visible[:opening] + quoted
    if not _has_text(visible):
        # a lone signature is still what they sent; a bare "--" is not
        visible, signature = ([] if _join(signature) == "--" else signature), []
    elif signature and _only_greeting(visible) and _opens_with_prose(signature):
        # "Ana," over the whole message: it was typed into the signature's block (Gmail)
        visible, signature = visible + [line for line in signature if line.strip() != "--"], []
    if (quoted or cut < len(lines)) and not any(map(_is_quote, visible)) and _points_below(visible):
        # "see my answers below in red", typed inside the history (answers between
        # "> " lines are already visible, as interleaved context)
        return Reply(_join(lines), "", "")
    return Reply(_join(visible), _join(quoted + lines[cut:]), _join(signature))


def _reply_above(lines: list[str]) -> int:
    """Where the quoted mail of ours begins: its "type your reply above this line", or
    the client's line introducing it, whatever that says ("Soporte escribió:")."""
    found = next((i for i, line in enumerate(lines)
                  if "##" in line and len(line) <= _MAX_HEADER and _REPLY_ABOVE.match(line)), None)
    if found is None:
        return len(lines)
    above = _skip_blank_back(lines, found)
    intro = lines[above - 1].strip().lower() if above and not _is_quote(lines[above - 1]) else ""
    if len(intro) <= _MAX_HEADER and _ends_with_colon(intro) and _CLOSING.search(intro):
        return above - 1
    return found


def _only_greeting(visible: list[str]) -> bool:
    """All that stands above the signature is one short salutation ("Hola Ana:",
    "Heather,"), not a closing ("Gracias,"), which a signature rightly follows."""
    written = [line.strip() for line in visible if line.strip() and not _is_quote(line)]
    return (len(written) == 1 and len(written[0]) <= _GREETING_MAX and written[0][-1] in ",:"
            and not _CLOSING_LINE.match(written[0]))


def _opens_with_prose(signature: list[str]) -> bool:
    """A signature starts with a name; a message starts with a sentence."""
    first = next((line.strip() for line in signature if line.strip() and line.strip() != "--"), "")
    return len(first) >= _PROSE_MIN


def _points_below(visible: list[str]) -> bool:
    """The last lines written say the answers are further down, inside the history."""
    last = [line for line in visible if line.strip() and not _is_quote(line)][-3:]
    return any(_BELOW.search(line[:_MAX_HEADER].lower()) for line in last)


def _unglued(lines: list[str]) -> list[str]:
    """An attribution typed after text on the same line ("reply On ..., ana@x wrote:")
    becomes a line of its own, so the text before it stays visible."""
    out: list[str] = []
    for line in lines:
        out.append(line)
        stripped = line.rstrip()
        if len(stripped) > _MAX_HEADER or not _ends_with_colon(stripped) or _is_quote(line):
            continue
        for found in _GLUED_OPENING.finditer(stripped):
            before, header = stripped[:found.start()].rstrip(" -"), stripped[found.start(1):]
            if before.strip() and before.strip() != found.group(1) and _classify_attribution(header):
                out[-1:] = [before, header]
                break
    return _cjk_sender_unglued(out)


def _cjk_sender_unglued(lines: list[str]) -> list[str]:
    """Chinese and Japanese put no space between a signature's last word and Outlook's
    sender key ("酒井差出人: Toshitaka"): the key starts a line of its own when a whole
    header block follows it."""
    if not _CJK_SENDER_KEY.search("\n".join(lines)):
        return lines
    k = 0
    while k < len(lines):
        line = lines[k]
        found = _CJK_SENDER.match(line.strip()) if _CJK_SENDER_KEY.search(line) \
            and len(line) <= _MAX_HEADER and not _is_quote(line) else None
        if found:
            trial = lines[:k] + [found.group(1), found.group(2)] + lines[k + 1:]
            if _outlook_block_at(trial, k + 1):
                lines, k = trial, k + 1
        k += 1
    return lines


def _peel(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Peel trailing quote blocks and signatures off the end, bottom-up."""
    attributions = _attribution_ends(lines)
    end, quoted, signature = len(lines), [], []
    while True:
        end = _skip_blank_back(lines, end)
        start = _quote_tail_start(lines, end, attributions)
        if start < end and _quoted_on_purpose(lines, start):
            return lines[:end], _flatten(quoted), _flatten(signature)
        if start < end:
            quoted.append(lines[start:end])
        elif (start := _signature_start(lines, end)) is not None:
            signature.append(lines[start:end])
        else:
            return lines[:end], _flatten(quoted), _flatten(signature)
        end = start


def _history_on_top(visible: list[str]) -> int | None:
    """Bottom-posting: the text opens with a client's reply header ("On <date>, Ana
    <ana@x> wrote:") and one quote block, and all under it is the person's own: where
    their text begins. Answers between several quote blocks stay with their questions."""
    i = _next_text(visible, 0)
    header = _attribution_at(visible, i) if i < len(visible) else None
    if header is None or not header[1]:
        return None
    j = k = _next_text(visible, header[0])
    while k < len(visible) and (_is_quote(visible[k]) or not visible[k].strip() or _rewrapped_quote(visible, k)):
        k += 1
    rest = visible[k:]
    if k == j or not _has_text(rest) or any(map(_is_quote, rest)):
        return None
    return k


def _quoted_on_purpose(lines: list[str], start: int) -> bool:
    """A quote under "They wrote me this:" (a lead-in with no date or address, so not
    a reply header we failed to read) is part of what the customer is telling us.
    Under a reply header it is history, whatever comes before."""
    lead = _lead_in(lines, start) if _is_quote(lines[start]) else None
    return lead is not None and not any(c.isdigit() or c == "@" for c in lead)


def _has_header(lines: list[str]) -> bool:
    """Any line in a peeled block that is not a "> " line: a reply header or a rule."""
    return any(line.strip() and not _is_quote(line) for line in lines)


def _flatten(blocks_bottom_up: list[list[str]]) -> list[str]:
    return [line for block in reversed(blocks_bottom_up) for line in block]


def _first_marker(lines: list[str]) -> tuple[str, int] | None:
    """Where unquoted history begins (("cut", i)) or a forward begins (("forward", i))."""
    i = 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        if not stripped or len(stripped) > _MAX_HEADER or _is_quote(line):
            i += 1
            continue
        if stripped[0] in "-‐‑–_—━=bBcCdDiI*" and (found_at := _separator_at(lines, i)):
            return found_at
        if (":" in stripped or "：" in stripped) and (_outlook_block_at(lines, i) or _glued_block(stripped)) \
                and _lead_in(lines, i) is None and not _raw_headers_around(lines, i):
            return ("cut", i)
        found = _attribution_at(lines, i)
        if found is not None:
            stop, strong = found
            after = _next_text(lines, stop)
            if after >= len(lines) or not _is_quote(lines[after]):
                if strong:  # unquoted history under a header: Gmail/Apple top-posting
                    return ("cut", i)
            else:
                i = stop  # a header over a "> " block: interleaved, handled by _peel
                continue
        i += 1
    return None


def _raw_headers_around(lines: list[str], i: int) -> bool:
    """Headers a customer pasted as evidence ("Message-ID:", "Received:" beside From and
    Date): no mail client writes those in a reply's header block."""
    start = end = i
    while start > max(0, i - _HEADER_BLOCK_SPAN) and lines[start - 1].strip():
        start -= 1
    while end < min(len(lines), i + _HEADER_BLOCK_SPAN) and lines[end].strip():
        end += 1
    return any(_RAW_HEADER.match(line) for line in lines[start:end])


def _lead_in(lines: list[str], i: int) -> str | None:
    """The line of the customer's own above line i (blank lines skipped) when it ends
    in a colon and so introduces what follows: "I got this from your team:", "See my
    answers below:". A header block or a quote under one is not history to hide."""
    above = _skip_blank_back(lines, i)
    if above == 0 or _is_quote(lines[above - 1]):
        return None
    lead = lines[above - 1].strip()
    return lead if _ends_with_colon(lead) else None


def _separator_at(lines: list[str], i: int) -> tuple[str, int] | None:
    """A forward marker, an "Original Message" line or a rule over a header block."""
    stripped = lines[i].strip()
    marker = stripped.strip("*").strip()        # "*----- Original Message -----*": bold
    if _FORWARD.match(marker):
        return ("forward", i)
    if _ORIGINAL.match(marker):
        return ("cut", i)
    dashed = _DASHED_ATTRIBUTION.match(stripped)
    if dashed and _CLOSING.search(dashed.group(1).lower() + ":"):
        return ("cut", i)   # Android's "---- Ana wrote ----"
    below = _next_text(lines, i + 1)
    if _DASHED_LABEL.match(marker) and below < len(lines) and _outlook_block_at(lines, below):
        return ("forward", i)   # "-------- Pesan Diteruskan --------": a forward or the original, in doubt kept
    if _is_rule(stripped) and below < len(lines) and (
            _outlook_block_at(lines, below) or (_glued_block(lines[below], keys=1) and "@" in lines[below])):
        return ("cut", i)   # under a rule, one glued key will do: "From: bob@x Date: ..." (HTML's <b>s)
    return None


def _attribution_at(lines: list[str], i: int) -> tuple[int, bool] | None:
    """(end, strong) of an attribution starting at line i, wrapped over <= 3 lines."""
    parts: list[str] = []
    for j in range(i, min(i + 3, len(lines))):
        piece = lines[j].strip()
        if not piece or _is_quote(lines[j]) or len(piece) > _MAX_HEADER:
            return None
        parts.append(piece)
        if _ends_with_colon(piece):
            found = _classify_attribution(" ".join(parts))
        elif _colonless_end(lines, j):
            found = _classify_attribution(" ".join(parts) + ":") or None   # a full one only
        else:
            continue  # every header ends with a colon: skip the costly checks
        if found is not None and (j == i or _wrapped_start(parts[0], found)):
            return (j + 1, found)
    return None


def _colonless_end(lines: list[str], j: int) -> bool:
    """Line j ends in "wrote" or in an address with no colon, right above a quote
    (old Gmail: "2013/11/1 Ana <ana@x>"); over unquoted history, only a whole header:
    "On <date> <time> Ana <ana@x> wrote"."""
    line = lines[j].rstrip()
    if not 0 < len(line) <= _MAX_HEADER or _is_quote(line):
        return False
    below = j + 2 if j + 2 < len(lines) and not lines[j + 1].strip() else j + 1
    if below < len(lines) and _is_quote(lines[below]):
        return line.endswith(">") or _BARE_CLOSING.search(line.lower()) is not None
    if "@" not in line:
        return False
    low = line.lstrip().lower()
    return low.startswith(_OPENINGS) and _BARE_SENDER.search(low) is not None and \
        _CLOCK.search(low) is not None and _YEAR.search(low) is not None


def _opens(line: str) -> bool:
    return line.strip().lower().startswith(_OPENINGS)


def _wrapped_start(first: str, strong: bool) -> bool:
    """A wrapped header opens with the date, not with a sentence of prose; or with the
    sender and a verb the date follows, wherever the date wraps ("Ana <ana@x> schrieb am
    So., 23." / "Juni 2024, 21:08:")."""
    low = first.lower().lstrip("-–— ")
    if strong and _SENDER_THEN_DATE.match(low):
        return True
    opens = low.startswith(_OPENINGS) or _DATE_FIRST.match(low) is not None   # not "My order is 48213"
    return strong and opens and any(c.isdigit() for c in first) and first[-1] not in ".!?"


def _classify_attribution(candidate: str) -> bool | None:
    """True: a client's reply header; False: only valid right above a quote."""
    low = candidate.lower().replace("：", ":").lstrip("-–— ")   # Zimbra: "- Le ..."
    if not low.endswith(":"):
        return None
    if not any(c.isdigit() or c == "@" for c in low):
        return False if _VIA_SENDER.match(low) else None
    if _QUOTING.match(low):
        return True
    dated = _CLOCK.search(low) is not None and _YEAR.search(low) is not None
    if not _CLOSING.search(low):
        if _GMAIL_DATE_FIRST.match(low) or _GMAIL_DATE_ONLY.match(low) or (_ADDRESS_END.search(low) and dated):
            return True
        # a verb we do not know, in any language, a few words after the sender's address
        # ("Ana <ana@x> напісаў:", "23.11.26 у 10:00 Ana <ana@x> napisa:"): with a date
        # and time a header anywhere, without them only right above a quote
        return dated if _ADDRESS_THEN_FEW_WORDS.search(low) else None
    if low.startswith(_OPENINGS):
        # "On Monday at 10:30 your colleague wrote:" is a customer telling a story
        return "@" in low or dated
    if (_DATE_FIRST.match(low) and _CLOCK.search(low)) or (dated and "@" in low):
        return True
    if _SENDER_ONLY.match(low):
        return True
    # a date without its time opening it ("6 октября 2014 lidel написал:"), or the verb
    # before a full date ("Ana Ruiz escribió el 23/11/26 a las 10:00:"): right above a quote
    dated_first = _DATE_FIRST.match(low) is not None and _YEAR.search(low) is not None
    return False if dated_first or dated or _LOOSE_SENDER.search(low) else None


def _attribution_ends(lines: list[str]) -> dict[int, int]:
    """Map: line index just after an attribution -> where that attribution starts."""
    ends: dict[int, tuple[bool, int]] = {}
    colons = [i for i, line in enumerate(lines) if _ends_with_colon(line.rstrip())]
    quoted = [_is_quote(line) for line in lines]
    # a header without its colon stands only right above where a quote block starts
    tops = [q - 1 if lines[q - 1].strip() else q - 2 for q in range(1, len(lines)) if quoted[q] and not quoted[q - 1]]
    colons += [j for j in tops if j >= 0 and _colonless_end(lines, j)]
    for i in sorted({start for c in colons for start in range(max(0, c - 2), c + 1)}):
        found = _attribution_at(lines, i)
        if found is not None and found[0] in ends and _opens(lines[ends[found[0]][1]]) and not _opens(lines[i]):
            continue    # "Am 26.5.2017" / "um 12:00 schrieb Ana" / "<ana@x>:" starts at its opening
        if found is not None and (found[0] not in ends or found[1] >= ends[found[0]][0]):
            # the latest start, the shortest header, never prose; but a client's header
            # wrapped inside its address ("El lun ... (<" / "ana@x>) escribió:") is whole,
            # not its bare second line
            ends[found[0]] = (found[1], i)
    return {end: start for end, (_, start) in ends.items()}


def _quote_tail_start(lines: list[str], end: int, attributions: dict[int, int]) -> int:
    """Start of the run of quote lines, blanks and attributions that ends at `end`."""
    i = end
    while i > 0:
        if _is_quote(lines[i - 1]) or not lines[i - 1].strip():
            i -= 1
        elif i in attributions:
            i = attributions[i]
        elif _rewrapped_quote(lines, i - 1):
            i -= 1
        else:
            break
    while i < end and not lines[i].strip():
        i += 1
    return i


def _rewrapped_quote(lines: list[str], k: int) -> bool:
    """Line k is the end of a long quote line that a client wrapped again without its
    "> ": a long quote line above it broken mid-sentence, a lower-case remainder, and a
    quote line right below it. An answer typed between quotes follows a finished
    sentence, a question or a link, or starts with a capital: it stays visible."""
    if k < 1 or k + 1 >= len(lines) or not _is_quote(lines[k - 1]) or not _is_quote(lines[k + 1]):
        return False
    above, text = lines[k - 1].rstrip(), lines[k].strip()
    if _LINK_END.search(above) and _URL_REST.fullmatch(text) and any(c in text for c in "=&%/#_"):
        return True       # a quoted link broken in two ("(http://x/action" / "_nonce=3dd)")
    if len(above) < 60 or not 0 < len(text) <= 80:
        return False
    return above[-1] not in ".?!:" and text[0].islower() and not _LINK_END.search(above)


def _outlook_block_at(lines: list[str], i: int) -> bool:
    """Does an Outlook/Apple header block (From, Sent, To, Subject...) start at line i?
    Some clients put the date first, Hotmail the date and the subject, Outlook.com the
    recipient."""
    if i >= len(lines):
        return False
    first = _header_key(lines[i])[0]
    if first not in ("from", "date", "subject", "to"):
        return False
    sender: str | None = None
    groups: set[str] = set()
    wrapped = False
    for line in lines[i:i + _HEADER_BLOCK_SPAN]:
        if not line.strip():
            continue
        group, value = _header_key(line)
        if group is None and not wrapped and _continues_value(line):
            wrapped = True    # the end of a long value: "bob@x [mailto:" / "bob@x]"
            continue
        if group is None or (group == "from" and sender is not None):
            break             # a block has one sender: a second From starts the real block
        if group == "from":
            sender = value
        wrapped = False
        groups.add(group)
    if sender is None:
        return False
    named = groups & {"date", "to", "subject"}
    if first != "from":       # the sender further down: every key, as Hotmail writes them
        return len(named) == 3 and ("@" in sender or _name_like(sender))
    if "@" in sender:
        return len(named) >= 2
    # a name only: demand the date and the subject or recipient too (Windows Mail
    # writes From, Sent and To with names alone), and a name, not a sentence
    return "date" in named and bool(named & {"subject", "to"}) and _name_like(sender)


def _glued_block(line: str, keys: int = 2) -> bool:
    """New Outlook's text version writes the whole block on one line: "From: Ana
    RuizSent: Monday, 15 September 2025 11:36To: SoporteSubject: Pedido"; some
    webmails "From: ana@x Date: Mon, 8 Jan 2024 To: s@x"."""
    if _header_key(line)[0] != "from":
        return False
    glued = {_header_key(found.group(1) + ":")[0] for found in _GLUED_KEY.finditer(line)}
    return len(glued & {"date", "to", "subject"}) >= keys


def _name_like(value: str) -> bool:
    return len(value) <= 80 and value[-1:] not in ".!?" and value.count(",") <= 1


def _continues_value(line: str) -> bool:
    """The end of a long value: "bob@x [mailto:" / "bob@x]", or Outlook's "From: list
    [mailto:x] On" / "Behalf Of Ana" folded with no indent."""
    stripped = line.strip()
    return len(stripped) <= 100 and ("@" in stripped or stripped.endswith(("]", ">", ";"))
                                     or stripped.lower().startswith("behalf of "))


def _header_key(line: str) -> tuple[str | None, str]:
    """(key group, value) of a "Key: value" line, tolerating *bold* markers."""
    head, colon, value = line.strip()[:_MAX_HEADER].replace("：", ":").partition(":")
    key = head.strip("*_ \t").lower()
    if not colon or len(key) > 20:
        return (None, "")
    for group, names in _HEADER_KEYS.items():
        if key in names:
            return (group, value.strip("*_ \t"))
    return (None, "")


def _signature_start(lines: list[str], end: int) -> int | None:
    """Start of a signature block that ends at `end`, if one is recognised."""
    if end == 0:
        return None
    for i in range(max(0, end - _SIG_WINDOW), end):
        if lines[i].rstrip() == "--":  # "-- " (RFC 3676) and the common bare "--"
            return i
    last = _MARKDOWN_LINK.sub(r"\1", lines[end - 1].strip())
    if last == _TRACKER_MARK or (len(last) <= 120 and len(last.split()) <= 12 and _MOBILE.match(last)):
        # a lone dash over it ("—" / "Sent from Mailbox") is the signature's rule
        return end - 2 if end >= 2 and lines[end - 2].strip() in _LONE_DASHES else end - 1
    footer = _footer_start(lines, end)
    if footer is None:
        footer = _under_the_quote(lines, end)
    if footer is not None:
        return footer
    if end >= 3 and not lines[end - 2].strip() and _SIGN_OFF.match(lines[end - 1]):
        return end - 1  # "-Ana" alone under a blank line: a sign-off
    return None


def _footer_start(lines: list[str], end: int) -> int | None:
    """A mailing-list footer: a line of underscores and a few lines under it."""
    for i in range(end - 2, max(-1, end - 2 - _FOOTER_LINES - 2), -1):
        stripped = lines[i].strip()
        if len(stripped) >= 2 and set(stripped) == {"_"}:
            hint = _FOOTER_HINT if len(stripped) >= 10 else _LIST_HINT
            tail = [line for line in lines[i + 1:end] if line.strip()]
            footer = 0 < len(tail) <= _FOOTER_LINES and any(map(hint.search, tail))
            return i if footer else None  # a rule between two parts of the reply: keep
    return None


def _under_the_quote(lines: list[str], end: int) -> int | None:
    """The last paragraph, right below the quoted history, when it is a notice a gateway
    or a list put under the whole message (a confidentiality disclaimer, a list's
    footer with no rule) or the writer's sign-off their client placed under the quote
    ("Regards, Roman"): the quote above it is still history. Under the person's own
    text it is left as they sent it."""
    start = end
    while start > 0 and lines[start - 1].strip() and end - start <= _BOILERPLATE_LINES:
        start -= 1
    above = _skip_blank_back(lines, start)
    if start == end or end - start > _BOILERPLATE_LINES or above == 0 or not _is_quote(lines[above - 1]):
        return None
    paragraph = [line.strip() for line in lines[start:end]]
    notice = " ".join(paragraph)[:2000]
    if any(map(_is_quote, paragraph)) or "?" in notice:
        return None
    if _is_sign_off(paragraph) or (not _FIRST_PERSON.search(notice) and _is_boilerplate(paragraph, notice)):
        return start
    return None


def _is_boilerplate(paragraph: list[str], notice: str) -> bool:
    if _EXTERNAL_BANNER.search(notice):
        return True
    kinds = sum(1 for cue in _BOILERPLATE_CUES if cue.search(notice))
    return kinds >= 2 and (len(paragraph) >= 3 or len(notice) >= 100)


def _is_sign_off(paragraph: list[str]) -> bool:
    """"Regards, Roman", "Saludos cordiales," / "Ana Ruiz": a closing of a few words,
    then only names. "Thanks, confirmed for Tuesday." is an answer."""
    if len(paragraph) > _SIGN_OFF_LINES or any(len(line) > _GREETING_MAX for line in paragraph):
        return False
    closing, _, name = paragraph[0].partition(",")
    if not _CLOSING_LINE.match(closing) or len(closing.split()) > 3:
        return False
    names = name.split() + [word for line in paragraph[1:] for word in line.split()]
    return len(names) <= 4 and all(word[0].isupper() for word in names)


def _ends_with_colon(text: str) -> bool:
    return text.endswith((":", "："))     # the full-width one in Chinese and Japanese


def _is_quote(line: str) -> bool:
    return line.lstrip(" \t").startswith(">")


def _is_rule(stripped: str) -> bool:
    """A horizontal rule such as Outlook's "________________________________"."""
    return len(stripped) >= 3 and set(stripped) <= {"_", "-", "—", "="}


def _next_text(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _skip_blank_back(lines: list[str], end: int) -> int:
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return end


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() and not _is_quote(line) for line in lines)


def _join(lines: list[str]) -> str:
    start = _next_text(lines, 0)
    return "\n".join(line.rstrip() for line in lines[start:]).rstrip()
