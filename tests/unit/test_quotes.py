"""split_reply: the visible part of replies in Spanish, English and a few more, the
quoted history and the signature; conservative where in doubt; linear time."""
from __future__ import annotations

from pathlib import Path

import pytest

from daemon.ingest.quotes import Reply, split_reply

REPLIES = Path(__file__).resolve().parents[1] / "data" / "replies"
FIXTURES = sorted(p for p in REPLIES.glob("*.txt") if not p.name.endswith(".expected.txt"))


def test_fixtures_exist() -> None:
    assert len(FIXTURES) >= 15


@pytest.mark.parametrize("body", FIXTURES, ids=lambda p: p.stem)
def test_visible_text_of_fixture(body: Path) -> None:
    expected = body.with_name(body.stem + ".expected.txt").read_text(encoding="utf-8")
    assert split_reply(body.read_text(encoding="utf-8")).visible == expected.rstrip("\n")


# (name, body, visible, text expected in quoted, text expected in signature)
CASES = [
    ("plain", "Hola\nqué tal", "Hola\nqué tal", "", ""),
    ("empty", "", "", "", ""),
    ("crlf", "Hola\r\n\r\n> cita\r\n", "Hola", "> cita", ""),
    ("lone cr", "Hola\r\r> cita\r", "Hola", "> cita", ""),
    ("trailing spaces", "Hola   \n\n\n", "Hola", "", ""),
    ("quote at end", "Sí.\n\n> ¿Está en casa?\n> Gracias", "Sí.", "> Gracias", ""),
    # "> " lines under no reply header are a quotation the customer sends on purpose
    ("only a quote", "> nada nuevo\n> de verdad", "> nada nuevo\n> de verdad", "", ""),
    ("only a reply header and its quote", "On 23/11/2026 10:00, S <s@x.test> wrote:\n> nada nuevo",
     "", "> nada nuevo", ""),
    ("a quote under a lead-in", "Me escribieron esto:\n\n> su pedido fue cancelado",
     "Me escribieron esto:\n\n> su pedido fue cancelado", "", ""),
    ("a reply header under a line ending in a colon", "Awesome!\n\n:boom:\n\nOn Wed, Oct 8, 2014 at "
     "10:46 AM, Ana <a@x.test>\nwrote:\n\n> Nice", "Awesome!\n\n:boom:", "> Nice", ""),
    ("a bare delimiter over a quote", "--\n> texto anterior", "", "> texto anterior", ""),
    ("windows mail, names only", "Gracias\n\nFrom: Soporte\nSent: Friday, November 28, 2014 "
     "12:35 PM\nTo: Ana\n\nSu ticket 123 fue cerrado.", "Gracias", "Su ticket", ""),
    ("lone digit rating", "5\n\nEl 23/11/2026 10:00, Soporte <s@x.test> escribió:\n> ¿Cómo nos "
     "valora del 1 al 5?", "5", "escribió:", ""),
    ("sig dash space", "Listo.\n\n-- \nAna\nTel. 600 000 000", "Listo.", "", "Ana"),
    ("sig bare dashes", "Listo.\n--\nAna", "Listo.", "", "Ana"),
    ("sig then quote", "Listo.\n-- \nAna\n\n> antes", "Listo.", "> antes", "Ana"),
    ("quote then sig", "Listo.\n\n> antes\n\n-- \nAna", "Listo.", "> antes", "Ana"),
    ("enviado desde outlook", "Ok\n\nEnviado desde Outlook", "Ok", "", "Outlook"),
    ("obtener outlook", "Ok\n\nObtener Outlook para Android", "Ok", "", "Android"),
    ("sent from my phone", "Ok\n\nSent from my mobile device", "Ok", "", "mobile"),
    ("sent from blackberry", "Ok\n\nSent from my BlackBerry® wireless device", "Ok", "",
     "BlackBerry"),
    ("von meinem iphone", "Danke\n\nVon meinem iPhone gesendet", "Danke", "", "iPhone"),
    ("sign-off", "Gracias por todo.\n\n-Marta", "Gracias por todo.", "", "-Marta"),
    ("dash list is not sign-off", "Necesito:\n-Cable\n-Fuente", "Necesito:\n-Cable\n-Fuente",
     "", ""),
    ("lone signature stays visible", "-- \nAna", "--\nAna", "", ""),
    ("lone mobile line stays visible", "Sent from my iPhone", "Sent from my iPhone", "", ""),
    ("list footer", "Pregunta\n\n____________________\nlista mailing list\nhttps://l.test",
     "Pregunta", "", "mailing list"),
    ("dashes inside a line", "Esto -- no es firma.\nFin", "Esto -- no es firma.\nFin", "", ""),
    ("english original message", "Ok\n----- Original Message -----\nFrom: a@b.test\nhola",
     "Ok", "Original Message", ""),
    ("german original message", "Ja\n-----Ursprüngliche Nachricht-----\nVon: a@b.test\nx",
     "Ja", "Ursprüngliche", ""),
    ("outlook english, no rule", "Done.\nFrom: Support <s@x.test>\nSent: Monday, 23 Nov "
     "2026 10:00\nTo: Ana\nSubject: RE: x\n\nold text", "Done.", "old text", ""),
    ("outlook name only needs date and subject", "Hecho.\nDe: Soporte\nEnviado: lunes\n"
     "Para: Ana\nAsunto: RE: x\n\nantiguo", "Hecho.", "antiguo", ""),
    ("header alone at the top keeps the history", "From: Soporte <s@x.test>\nSent: Mon, 23 "
     "Nov 2026 10:00\nTo: Ana\nSubject: x\n\ntexto", "From: Soporte <s@x.test>\nSent: Mon, "
     "23 Nov 2026 10:00\nTo: Ana\nSubject: x\n\ntexto", "", ""),
    ("attribution with unquoted history", "Ok\n\nOn Mon, 23 Nov 2026 at 10:00, Ana "
     "<a@x.test> wrote:\n\nold unquoted text", "Ok", "old unquoted text", ""),
    ("loose attribution over a quote", "Vale\n\nAna García <ana@x.test> escribió:\n> hola",
     "Vale", "escribió", ""),
    ("loose attribution without a quote is text", "Ana <ana@x.test> wrote:\nall good",
     "Ana <ana@x.test> wrote:\nall good", "", ""),
    ("prose ending in wrote stays", "The engineer came on 23/11 and wrote:\nall fixed",
     "The engineer came on 23/11 and wrote:\nall fixed", "", ""),
    ("apple forward", "FYI\n\nBegin forwarded message:\n\nFrom: a@b.test\nhola",
     "FYI\n\nBegin forwarded message:\n\nFrom: a@b.test\nhola", "", ""),
    ("sparrow forward", "FYI\n\nForwarded message:\n\n*From:* a@b.test\n*Date:* 3 Feb 2020\n"
     "*To:* c@d.test\n*Subject:* x\n\nhola", "FYI\n\nForwarded message:\n\n*From:* a@b.test\n"
     "*Date:* 3 Feb 2020\n*To:* c@d.test\n*Subject:* x\n\nhola", "", ""),
    ("swedish gmail forward", "FYI\n\n---------- Vidarebefordrat meddelande ----------\n"
     "Från: a@b.test\nDatum: 3 feb. 2020\nÄmne: x\nTill: c@d.test\n\nhej", "FYI\n\n"
     "---------- Vidarebefordrat meddelande ----------\nFrån: a@b.test\nDatum: 3 feb. 2020\n"
     "Ämne: x\nTill: c@d.test\n\nhej", "", ""),
    ("quoted forward is still a quote", "Ok\n\n> ---------- Forwarded message ---------\n> x",
     "Ok", "Forwarded message", ""),
    ("portuguese", "Obrigado\n\nEm seg., 23 de nov. de 2026 às 10:00, Ana <a@x.test> "
     "escreveu:\n> oi", "Obrigado", "escreveu", ""),
    ("italian", "Grazie\n\nIl giorno lun 23 nov 2026 alle ore 10:00 Ana <a@x.test> ha "
     "scritto:\n> ciao", "Grazie", "ha scritto", ""),
    # Gmail wraps a long header inside the address: the whole header goes, not half
    ("gmail header wrapped in its address", "Ya funciona.\n\nEl lun, 23 nov 2026 a las 10:00, "
     "Soporte Técnico de la Empresa (<\nsoporte@example.test>) escribió:\n\n> Hola",
     "Ya funciona.", "El lun, 23 nov 2026", ""),
    # --- more locales and clients ------------------------------------------------------
    ("catalan", "Gràcies\n\nEl dl., 23 de nov. 2026 a les 10:00, Anna <a@x.test> ha "
     "escrit:\n\ntext antic", "Gràcies", "ha escrit", ""),
    ("galician", "Grazas\n\nO 23/11/2026 10:00, Ana <a@x.test> escribiu:\n> ola", "Grazas",
     "escribiu", ""),
    ("polish", "Dziękuję\n\nW dniu 23.11.2026 o 10:00 Anna <a@x.test> napisał(a):\n\nstary",
     "Dziękuję", "napisał(a)", ""),
    ("swedish", "Tack\n\nDen 23 nov. 2026 10:00 skrev Anna <a@x.test>:\n\ngammal", "Tack",
     "skrev", ""),
    ("norwegian, weekday first", "Takk\n\nman. 23. nov. 2026 kl. 10:00 skrev Anna "
     "<a@x.test>:\n\ngammel", "Takk", "skrev", ""),
    ("dutch long form", "Dank\n\nOp 23 nov. 2026, om 10:00 heeft Anna <a@x.test> het "
     "volgende geschreven:\n\noud", "Dank", "geschreven", ""),
    ("russian, date first", "Спасибо\n\n23 нояб. 2026 г., в 10:00, Анна <a@x.test> "
     "написал(а):\n> старое", "Спасибо", "написал", ""),
    # a date without its time opens the header: it goes with the quote under it
    ("russian, date without time", "Да.\n\n6 октября 2014 lidel написал:\n> старое", "Да.",
     "6 октября 2014 lidel написал:\n> старое", ""),
    ("iso date without time", "Yes.\n\n2014-10-06 lidel wrote:\n> old", "Yes.", "2014-10-06 lidel wrote:", ""),
    ("a count is no date", "Yes.\n\n12 orders were sent:\n> order 1\n> order 2", "Yes.\n\n12 orders were sent:",
     "> order 1", ""),
    ("chinese full-width colon", "谢谢\n\n在 2026年11月23日，上午10:00，Anna <a@x.test> "
     "写道：\n\n旧的", "谢谢", "写道", ""),
    ("gmail date first without a verb", "Thanks\n\n2026-11-23 10:00 GMT+01:00 Ana "
     "<ana@x.test>:\n\nold text", "Thanks", "GMT+01:00", ""),
    ("zimbra dash before the header", "Merci\n\n- Le 2026-11-23 10:00, Anne a écrit :\n"
     "> ancien", "Merci", "a écrit", ""),
    ("sent instead of wrote", "Ok\n\nOn 23-Nov-2026, at 10:00, Ana <a@x.test> sent:\n"
     "> old", "Ok", "sent:", ""),
    ("android dashed header", "Ok\n\n---- Ana García wrote ----\n\nold text", "Ok",
     "old text", ""),
    ("dashes around the whole header", "Ok\n------On 23/11/2026 10:00, Ana wrote-----\n\n"
     "old", "Ok", "old", ""),
    # a header typed after the reply on the same line: the reply stays visible
    ("header glued after the reply", "Hecho On Mon, Nov 23, 2026 at 10:00 AM, ana@x.test "
     "wrote:\n> hola", "Hecho", "ana@x.test wrote:", ""),
    ("header glued after dashes", "Hecho--- On Mon, Nov 23, 2026 at 10:00 AM, ana@x.test "
     "wrote:\n> hola", "Hecho", "On Mon", ""),
    ("prose naming an address before wrote is text", "Thanks, I will ask bob@x.test what "
     "he wrote:\n> the quoted bit", "Thanks, I will ask bob@x.test what he wrote:",
     "> the quoted bit", ""),
    ("danish outlook block", "Ok\n\nFra: Ana <a@x.test>\nSendt: 23. november 2026 10:00\n"
     "Til: Soporte\nEmne: Sag\n\ngammel", "Ok", "gammel", ""),
    ("swedish outlook block", "Ok\nFrån: Ana <a@x.test>\nSkickat: den 23 november 2026\n"
     "Till: Soporte\nÄmne: Ärende\n\ngammal", "Ok", "gammal", ""),
    ("catalan outlook block", "D'acord\n\nDe: Anna <a@x.test>\nEnviat: dilluns\nPer a: "
     "Suport\nAssumpte: Incidència\n\nantic", "D'acord", "antic", ""),
    ("outlook from value wrapped", "Done\n\n*From:* ana@x.test [mailto:\nana@x.test]\n"
     "*Sent:* Monday, November 23, 2026 10:00 AM\n*To:* s@x.test\n*Subject:* Hi\n\nold",
     "Done", "old", ""),
    ("date line above the from line", "Done\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
     "From: ana@x.test\nTo: s@x.test\nSubject: Hi\n\nold", "Done", "old", ""),
    ("danish original message", "Ok\n\n-----Oprindelig meddelelse-----\nold", "Ok",
     "old", ""),
    ("catalan original message", "Ok\n\n-----Missatge original-----\nantic", "Ok",
     "antic", ""),
    ("french iphone", "Merci\n\nEnvoyé depuis mon iPhone", "Merci", "", "iPhone"),
    ("catalan iphone", "Gràcies\n\nEnviat des del meu iPhone", "Gràcies", "", "iPhone"),
    ("dutch iphone", "Dank\n\nVerstuurd vanaf mijn iPhone", "Dank", "", "iPhone"),
    ("iphone with an exclamation mark", "Ok\n\nSent from my iPhone!", "Ok", "", "iPhone"),
    ("excuse the typos", "Ok\n\nSent from my phone, please excuse any typos.", "Ok", "",
     "typos"),
    ("outlook link glued", "Ok\n\nGet Outlook for iOShttps://aka.ms/x", "Ok", "", "iOS"),
    ("german k-9", "Danke\n\nDiese Nachricht wurde von meinem Android-Gerät mit K-9 Mail "
     "gesendet.", "Danke", "", "K-9"),
    ("chinese iphone", "谢谢\n\n发自我的iPhone", "谢谢", "", "iPhone"),
    ("japanese iphone", "ありがとう\n\niPhoneから送信", "ありがとう", "", "iPhone"),
    ("sent by a person is text", "Ok\n\nSent by my colleague", "Ok\n\nSent by my colleague",
     "", ""),
    # a rule inside the reply is not a list footer unless what follows reads like one
    ("rule between two parts of the reply", "Part one.\n\n______________________\n\n"
     "Part two.\n\nRegards,\nAna", "Part one.\n\n______________________\n\nPart two.\n\n"
     "Regards,\nAna", "", ""),
    # a client wrapped long quote lines again without their "> "
    ("quote lines wrapped without their marker", "Vale, gracias.\n\nEl 23/11/2026 10:00, "
     "Soporte <s@x.test> escribió:\n> Hemos revisado el equipo y el problema estaba en la "
     "fuente de\nalimentación, que ya hemos cambiado.\n>\n> Un saludo", "Vale, gracias.",
     "alimentación", ""),
    ("a lower-case answer after a finished quote line stays visible", "Ok.\n\nOn 23/11/2026 "
     "10:00, S <s@x.test> wrote:\n> Please confirm the delivery address and the phone number "
     "for the courier.\nyes, same as before\n> Regards", "Ok.\n\nOn 23/11/2026 10:00, S "
     "<s@x.test> wrote:\n> Please confirm the delivery address and the phone number for the "
     "courier.\nyes, same as before", "> Regards", ""),
    ("a capitalised answer after an unfinished quote line stays visible", "> Could you send me "
     "the invoice for May and the delivery note for the last order\nSure, both attached.\n"
     "> Thanks,\n> Ana", "> Could you send me the invoice for May and the delivery note for "
     "the last order\nSure, both attached.", "> Thanks,", ""),
    ("an answer under a quoted link stays visible", "> Your order is 12345 and the tracking "
     "link is https://track.example.test/12345\nthanks, got it\n>\n> Shop Team",
     "> Your order is 12345 and the tracking link is https://track.example.test/12345\n"
     "thanks, got it", "> Shop Team", ""),
    # a customer telling what happened is not a reply header, even with a time in it
    ("story with a time", "Hi,\n\nOn Monday at 10:30 your colleague Bob wrote:\n\n\"we will "
     "refund you\"\n\nIt has been 3 weeks.", "Hi,\n\nOn Monday at 10:30 your colleague Bob "
     "wrote:\n\n\"we will refund you\"\n\nIt has been 3 weeks.", "", ""),
    ("story in french", "Bonjour,\n\nLe 3 février à 10h00, votre technicien m'a écrit :\n\n"
     "« le routeur est cassé »\n\nC'est faux.", "Bonjour,\n\nLe 3 février à 10h00, votre "
     "technicien m'a écrit :\n\n« le routeur est cassé »\n\nC'est faux.", "", ""),
    ("pasted header block", "I received this from your team:\n\nFrom: Billing <b@shop.test>\n"
     "Sent: Monday, 3 February 2020 10:00\nTo: me@x.test\nSubject: Payment failed\n\nYour "
     "payment failed.\n\nBut I paid on Friday!", "I received this from your team:\n\nFrom: "
     "Billing <b@shop.test>\nSent: Monday, 3 February 2020 10:00\nTo: me@x.test\nSubject: "
     "Payment failed\n\nYour payment failed.\n\nBut I paid on Friday!", "", ""),
    ("a lower-case dash item is not a sign-off", "Two things I still need:\n\n-new invoice",
     "Two things I still need:\n\n-new invoice", "", ""),
    # reply headers with the verb first, no verb, unknown openings or a doubled opening
    ("german verb before the date", "Danke!\n\nAna <ana@x.test> schrieb am Di., 8. Aug. 2023, "
     "10:42:\n\n> Hallo", "Danke!", "schrieb am", ""),
    ("german mailto in the header", "Danke!\n\nAm 09.07.2016 um 14:03 schrieb \"a@x.test"
     "<mailto:a@x.test>\" <a@x.test<mailto:a@x.test>>:\n\nGuten Tag!", "Danke!", "Guten Tag!", ""),
    ("greek gmail", "Ευχαριστώ\n\nΣτις Τετ, 17 Απρ 2024, 8:02 μ.μ. ο χρήστης Ana a@x.test "
     "έγραψε:\n\nΑγαπητέ", "Ευχαριστώ", "Αγαπητέ", ""),
    ("romanian gmail", "Multumesc\n\nmar., 7 mai 2024, 07:09 Ana <a@x.test> a scris:\n\n"
     "Mesaj vechi", "Multumesc", "Mesaj vechi", ""),
    ("polish apple mail", "Dzięki\nWiadomość napisana przez Ana a@x.test w dniu 17.01.2023, "
     "o godz. 11:09:\nStary tekst", "Dzięki", "Stary tekst", ""),
    ("hungarian gmail", "Köszönöm\n\nAna <a@x.test> ezt írta (időpont: 2026. aug. 16., Ke "
     "12:27):\nKedves Anna,", "Köszönöm", "Kedves Anna,", ""),
    ("russian gmail, no verb", "Спасибо\n\nср, 30 апр. 2025 г. в 15:19, Ana <a@x.test>:\n\n"
     "> привет", "Спасибо", "привет", ""),
    ("japanese gmail, no verb", "了解です\n\n2022年1月1日(金) 9:00 田中太郎 <t@x.test>:\n> 織田様",
     "了解です", "織田様", ""),
    ("italian", "Grazie\n\nIn data 11 ottobre 2017 21:11:31 \"Ana\" <a@x.test> ha scritto:\n\n"
     "Buongiorno!", "Grazie", "Buongiorno!", ""),
    ("chinese gmail", "谢谢\n\nAna <a@x.test>于2020年3月9日 周一下午9:10写道：\n\n旧邮件", "谢谢",
     "旧邮件", ""),
    ("ios spanish doubles its opening", "Salud\n\nEl El vie, 3 de marzo de 2023 a la(s) 9:21 "
     "a.m., Ana <a@x.test> escribió:\n> hola", "Salud", "hola", ""),
    ("hyphenated german separator", "Gruß\n-----Original-Nachricht-----\nVon: Shop\n"
     "Betreff: Bestellung", "Gruß", "Betreff", ""),
    ("separator glued to its header", "Gruß\n-------- Ursprüngliche Nachricht --------Von: "
     "\"Shop\"  Datum: 07.08.24  18:46\n\nAlter Text", "Gruß", "Alter Text", ""),
    ("french webmail", "Merci\n\n====\n\nMessage du : 12/12/2016 13:20\nDe : \"Q\" <q@x.test>\n"
     "A : m@x.test\nSujet :  test\n\nVieux texte", "Merci", "Vieux texte", ""),
    ("chinese outlook", "Please cancel my order.\n\n发件人: \"shop\" <cs@x.test>\n日期: 2020年3月6日 "
     "星期五 上午1:04\n收件人: <me@x.test>\n主题: Order shipped\n\nShipping Confirmation",
     "Please cancel my order.", "Shipping Confirmation", ""),
    # more phone and app footers
    ("outlook for android", "Thanks\n\nDownload Outlook for Android<https://aka.ms/x>",
     "Thanks", "", "Android"),
    ("french outlook", "Merci\n\nTélécharger Outlook pour iOS<https://aka.ms/x>", "Merci", "",
     "iOS"),
    ("typeapp", "Thanks\n\nSent from TypeApp<http://www.typeapp.test/r>", "Thanks", "", "TypeApp"),
    ("finnish iphone", "Kiitos\n\nLähetetty iPhonesta", "Kiitos", "", "iPhonesta"),
    ("french iphone", "Merci\n\nEnvoyé à partir de mon iPhone", "Merci", "", "iPhone"),
    ("german mail app", "Danke\nGesendet mit der mobilen Mail App", "Danke", "", "Mail App"),
    ("hungarian iphone", "Thanks\n\nAz iPhone-omról küldve", "Thanks", "", "iPhone"),
    ("romanian iphone", "Mersi\n\nTrimis de pe iPhone-ul meu", "Mersi", "", "iPhone"),
    ("answer after a question stays visible", "Ver abajo.\n\nEl 23/11/2026 10:00, S "
     "<s@x.test> escribió:\n> ¿Puede indicarnos el número de serie del equipo afectado, "
     "por favor?\nsí, es el 12345\n> Gracias", "Ver abajo.\n\nEl 23/11/2026 10:00, S "
     "<s@x.test> escribió:\n> ¿Puede indicarnos el número de serie del equipo afectado, "
     "por favor?\nsí, es el 12345", "> Gracias", ""),
    # a client that drops the colon: a full header right above the quote is still one
    ("reply header without a colon", "Thanks, fixed.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Ana "
     "<ana@x.test> wrote\n> old text", "Thanks, fixed.", "wrote\n> old text", ""),
    ("spanish reply header without a colon", "Gracias.\n\nEl lun, 1 ene 2024 a las 10:00, Ana "
     "(<ana@x.test>) escribió\n> viejo", "Gracias.", "escribió\n> viejo", ""),
    # answers typed inside an Outlook history, announced above it: nothing is cut
    ("answers announced below", "Respuestas abajo, entre líneas.\n\nDe: Soporte <s@x.test>\nEnviado: lunes, "
     "8 de enero de 2024 10:00\nPara: Ana <a@x.test>\nAsunto: Pedido\n\n¿Modelo?\nHP 4100",
     "Respuestas abajo, entre líneas.\n\nDe: Soporte <s@x.test>\nEnviado: lunes, 8 de enero de 2024 10:00\n"
     "Para: Ana <a@x.test>\nAsunto: Pedido\n\n¿Modelo?\nHP 4100", "", ""),
    # HTC's "-----Reply message-----" cut to one dash, the header run onto it (Sprint)
    ("reply message line cut short", "OKAY\n\n-Reply message ----- From: \"Ana\" <\nana@x.test>\n"
     "To: <s@x.test>\nSubject: Pedido Date: Mon, Apr 2, 2012 1:42 pm\n> ...", "OKAY", "-Reply message -----", ""),
    # Outlook.com writes the recipient first
    ("header block opening with the recipient", "Hello from outlook.com!\n\nTo: ana@x.test\n"
     "From: soporte@x.test\nCC: luis@x.test\nSubject: [Soporte] Re: Pedido\nDate: Wed, 19 Feb 2014 15:47:31 -0800",
     "Hello from outlook.com!", "To: ana@x.test", ""),
    ("recipient and subject alone are the customer's", "Envíenla así:\n\nTo: facturas@x.test\n"
     "Subject: Factura 123\n\nGracias", "Envíenla así:\n\nTo: facturas@x.test\nSubject: Factura 123\n\nGracias",
     "", ""),
    ("a bullet is no original message line", "Opciones:\n- Original -- la que compré\n- Copia -- más barata\n"
     "¿Cuál cubre la garantía?", "Opciones:\n- Original -- la que compré\n- Copia -- más barata\n"
     "¿Cuál cubre la garantía?", "", ""),
    ("a lone dash over the device line", "OKAY\n\n—\nSent from Mailbox", "OKAY", "", "—\nSent from Mailbox"),
    ("no colon, no date or address: prose", "Ayer el técnico me escribió\n> reinicie el equipo",
     "Ayer el técnico me escribió", "> reinicie el equipo", ""),
]


@pytest.mark.parametrize(("body", "visible", "quoted", "signature"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_split_reply(body: str, visible: str, quoted: str, signature: str) -> None:
    reply = split_reply(body)
    assert reply.visible == visible
    assert quoted in reply.quoted and (quoted or not reply.quoted)
    assert signature in reply.signature and (signature or not reply.signature)


def test_reply_is_frozen() -> None:
    reply = split_reply("Hola")
    assert reply == Reply(visible="Hola", quoted="", signature="")
    with pytest.raises(AttributeError):
        reply.visible = "x"  # type: ignore[misc]


@pytest.mark.parametrize("body", [
    "Ok\n\n________________________________\nFrom: a@b.test\nSent: x\nTo: y\nSubject: z\n\nv",
    "Ok\n\nOn Mon, 23 Nov 2026 at 10:00 Ana <a@b.test> wrote:\n> viejo",
])
def test_forwarded_flag_keeps_everything(body: str) -> None:
    assert split_reply(body, forwarded=True).visible == body.rstrip()
    assert split_reply(body).visible == "Ok"


def test_interleaved_answers_stay_with_their_questions() -> None:
    body = "> ¿Modelo?\nX200\n> ¿Desde cuándo?\nAyer\n> Un saludo\n> Soporte"
    reply = split_reply(body)
    assert reply.visible == "> ¿Modelo?\nX200\n> ¿Desde cuándo?\nAyer"
    assert reply.quoted == "> Un saludo\n> Soporte"


# Pathological inputs: a quadratic scan would take minutes on these, linear < 1 s.
# (name, body, visible): clients and languages seen in other projects' reply fixtures
MORE_CLIENTS = [
    ('prose lines that open with From: stay', 'Here is my reply.\n\nFrom: the beginning, I thought this was a good idea.\n\nFrom: sender@example.com\nSent: Monday, January 1, 2024 1:00 PM\nTo: recipient@example.com\nSubject: Previous message\n\nThis is the previous email content.\n',
     'Here is my reply.\n\nFrom: the beginning, I thought this was a good idea.'),
    ('lower-case prose keys stay', 'Here is my reply.\n\nfrom: the beginning, I thought this was a good idea.\nsent: you an email yesterday about this topic.\nto: summarize what we discussed, I think we should proceed.\nsubject: to change, I think we should proceed.\n',
     'Here is my reply.\n\nfrom: the beginning, I thought this was a good idea.\nsent: you an email yesterday about this topic.\nto: summarize what we discussed, I think we should proceed.\nsubject: to change, I think we should proceed.'),
    ("new Outlook's block glued on one line", 'Thanks, that works.\n\nFrom: James ShawSent: Monday, September 15, 2025 11:36To: Elie RashbassSubject: Follow-up\nHi Elie, good to speak last week.\n',
     'Thanks, that works.'),
    ('slovak gmail', 'Neposielať\n\nV so 6. 9. 2026 o 18:42 používateľ Adam <adam@gallax.io> napísal(a):\n> Ak si neželáte ďalšie správy.',
     'Neposielať'),
    ('ukrainian gmail', 'Thanks, will fix in v2.\n\nср, 4 бер. 2026 р. о 10:32 Sakari Ailus <sakari.ailus@linux.intel.com> пише:\n>\n> Hi Svyatoslav, Hans,\n',
     'Thanks, will fix in v2.'),
    ('spanish icloud plural', 'Gracias\n\nEl 19/03/2014 11:34, Juan Pérez <juan.perez@mailcatch.com> escribieron:\n\nHola, ¿cuándo llega?\n',
     'Gracias'),
    ('hungarian outlook', 'Rendben, csutortokon egyeztetunk.\n\nFeladó: Kiss Péter <peter@example.hu>\nElküldve: 2026. március 4. 10:12\nCímzett: Szabo Anna <anna@example.hu>\nTárgy: Egyeztetes\n\nSzia Anna, mikor tudunk erről beszelni?\n',
     'Rendben, csutortokon egyeztetunk.'),
    ('qq mail separator', '收到\n------------------ 原始邮件 ------------------\n发件人: x',
     '收到'),
    ('chinese outlook full-width colons', '收到\n\n发件人：张三 <z@x.cn>\n发送时间：2024年1月1日 10:00\n收件人：李四 <l@x.cn>\n主题：测试\n\n旧内容\n',
     '收到'),
    ('a reply ending in a number above an unquoted header', 'My order number is 48213\nOn Mon, Jan 3, 2022 at 10:00 AM Support <help@shop.example> wrote:\nHello,\nWhat is your order number?\n',
     'My order number is 48213'),
    ('hotmail block opening with the date', 'Hi. I am fine.\n\nDate: Thu, 26 Jun 2014 13:53:45 +0400\nSubject: Test message\nFrom: abc@example.com\nTo: alex.l@example.com\n\nHello! How are you?\n',
     'Hi. I am fine.'),
    ('a quoted link broken in two', 'Fixed, thanks.\n\nOn Monday, 24 September, 2012 at 3:46 PM, bob wrote:\n\n> [Ticket #50] test from bob\n> View ticket (http://example.com/action\n_nonce=3dd518)\n>\n',
     'Fixed, thanks.'),
    ('windows 10 mail', 'Thanks for the reply.\n\nSent from Mail<https://go.microsoft.com/fwlink/?LinkId=550123> for Windows 10\n',
     'Thanks for the reply.'),
    ('verizon phone', 'Sounds good\nSent from my Verizon, Samsung Galaxy smartphone',
     'Sounds good'),
    ('german outlook for ios', 'Hallo Adam\n\nGut, und dir?\n\nLG, Eva\n\nOutlook für iOS beziehen <https://aka.ms/o0ukef>\n',
     'Hallo Adam\n\nGut, und dir?\n\nLG, Eva'),
    ('italian iphone', 'Grazie\n\nInviato dal mio iPhone',
     'Grazie'),
    ('russian outlook for android', 'Спасибо\n\nОтправлено из Outlook для Android',
     'Спасибо'),
    ('czech iphone', 'Díky\n\nOdesláno z mého iPhonu',
     'Díky'),
    ('chinese iphone', '好的\n\n从我的iPhone发送',
     '好的'),
    ('traditional chinese iphone', '好的\n\n發自我的iPhone',
     '好的'),
    ("a read tracker's mark under the text", 'My reply here.\n\n\u1427',
     'My reply here.'),
    ('turkish iphone', "Tamam\n\niPhone'umdan gönderildi",
     'Tamam'),
    ('korean iphone', '네\n\n내 iPhone에서 보냄',
     '네'),
    ("old gmail, the date alone and no colon", "Replying ok\n\n2013/11/1 John Smith <\njohn@smith.test>\n\n> ddd\n",
     "Replying ok"),
    ("horde, german", "Danke\n\nZitat von Ana <ana@x.test>:\n\n> Hallo\n", "Danke"),
    ("horde, english", "Thanks\n\nQuoting Ana <ana@x.test>:\n\n> Hello\n", "Thanks"),
    ("lotus notes", "ok\n\nAna <ana@x.test> wrote on 22.08.2020 03:13:13:\n\nold unquoted\n", "ok"),
    ("chinese proton", "好的\n\n2024年1月1日 10:00，Ana <a@x.test> 来信：\n\n> 旧\n", "好的"),
    ("chinese zoho", "好的\n\n---- 在 星期一, 01 一月 2024 10:00:00 +0800 Ana <a@x.test> 撰写 ----\n\n旧内容\n", "好的"),
    ("qq mail in english", "ok\n\n------------------ Original ------------------\nFrom: \"Ana\"<a@x.test>;\n"
     "Date: Mon, Jan 1, 2024 10:00 AM\nTo: \"s\"<s@x.test>;\nSubject: hi\n\nold\n", "ok"),
    ("original message in bold", "ok\n\n*----- Original Message -----*\n*From:* Ana <a@x.test>\nold\n", "ok"),
    ("forward marker in bold", "ok\n\n*---------- Forwarded message ---------*\nFrom: Ana <a@x.test>\nold\n",
     "ok\n\n*---------- Forwarded message ---------*\nFrom: Ana <a@x.test>\nold"),
    ("from my iphone", "Ok\n\nFrom my iPhone 6", "Ok"),
    # our mail opens with where to reply: everything from there down is ours, quoted
    ("our marker under a name-only attribution", "Ya funciona.\n\nSoporte escribió:\n> ##- Escriba su "
     "respuesta encima de esta línea -##\n>\n> Hola Ana:\n> Hemos recibido su solicitud\n", "Ya funciona."),
    ("our marker in outlook's unquoted copy", "Gracias\n\nDe: Soporte <soporte@x.test>\nEnviado: lunes\n"
     "Para: Ana\nAsunto: [SOP-000001] x\n\n##- Escriba su respuesta encima de esta línea -##\n\nHola Ana:\nbla\n",
     "Gracias"),
    ("our marker with nothing quoted around it", "Thanks\n##- Please type your reply above this line -##\nHello\nold",
     "Thanks"),
    ("our marker with nothing written above is kept", "> ##- Escriba su respuesta encima de esta línea -##\n> Hola\n",
     "> ##- Escriba su respuesta encima de esta línea -##\n> Hola"),
    ("another desk's marker, hashes only", "This is my answer.\n\n## Please type your reply above this line. ##\n"
     "previous discussion", "This is my answer."),
    ("a heading between hashes is text", "Notas:\n## Pedido ##\nLa caldera no enciende.",
     "Notas:\n## Pedido ##\nLa caldera no enciende."),
    ("a lead-in over our marker stays, our mail goes", "Mira lo que me decís:\n##- Escriba su respuesta encima de esta línea -##\nHola",
     "Mira lo que me decís:"),
    ("a list's sender, named via the list", "Fixed.\n\nAna Ruiz via Soporte wrote:\n\n> old\n", "Fixed."),
    ("a name alone over a quote is a lead-in", "Thanks.\n\nThe technician wrote:\n> old\n",
     "Thanks.\n\nThe technician wrote:\n> old"),
    ("via in prose over a quote", "Sent via courier wrote: none\n> x\nok", "Sent via courier wrote: none\n> x\nok"),
    ("sent by a phone, in brackets", "Ok\n\n<<sent by galaxy>>", "Ok"),
    # gmail's sender-first headers, wrapped inside the date
    ("gmail, german, wrapped after the day", "Danke!\n\nAna Ruiz <ana@x.test> schrieb am So., 23.\n"
     "Juni 2024, 21:08:\n\n> Hallo\n", "Danke!"),
    ("gmail, dutch, wrapped after the month", "Bedankt!\n\nAna Ruiz <ana@x.test> schreef op ma 8 jan.\n"
     "2024 om 10:42:\n\n> Hallo\n", "Bedankt!"),
    ("prose naming a sender and a verb stays", "Hi,\n\nmy colleague <bob@x.test> schrieb am Montag dass\n"
     "es um 10:42 kommt:\n\n> quote\n", "Hi,\n\nmy colleague <bob@x.test> schrieb am Montag dass\nes um 10:42 kommt:"),
    # what a list or a gateway appends under the whole message, quote included
    ("a list footer under a short rule", "Oh thanks.\n\nOn Mon, 3 Jan 2011 at 19:07, Bob <bob@x.test> wrote:\n"
     "> old\n> older\n\n__\nriak-users mailing list\nriak-users@lists.x.test\n"
     "http://lists.x.test/mailman/listinfo/riak-users\n", "Oh thanks."),
    ("a gateway's disclaimer under the quote", "My order 4411 never arrived.\n\nOn Mon, Jan 8, 2024 at 10:42 AM "
     "Soporte <s@x.test> wrote:\n> Hola\n\nThis e-mail and any attachments are confidential and intended "
     "solely for the addressee. If you have received it in error please notify the sender.\n",
     "My order 4411 never arrived."),
    ("a spanish disclaimer under the quote", "Sigue sin funcionar.\n\nEl lun, 8 ene 2024 a las 10:42, Soporte "
     "<s@x.test> escribió:\n> Hola\n\nEste mensaje y sus anexos son confidenciales y para uso exclusivo de su "
     "destinatario.\nSi lo ha recibido por error, comuníquelo al remitente y elimínelo.\n", "Sigue sin funcionar."),
    ("an external-sender banner under the quote", "Done.\n\nOn Mon, Jan 8, 2024 at 10:42 AM Soporte <s@x.test> "
     "wrote:\n> Hola\n\nCAUTION: This email originated from outside of the organization.\n", "Done."),
    ("a customer's words about a mistake under a quote stay", "Hola\n\nOn Mon, Jan 8, 2024 at 10:42 AM Soporte "
     "<s@x.test> wrote:\n> Hola\n\nEl correo con la información confidencial lo mandé por error, "
     "¿pueden borrarlo del ticket?\n", "Hola\n\nOn Mon, Jan 8, 2024 at 10:42 AM Soporte <s@x.test> wrote:\n"
     "> Hola\n\nEl correo con la información confidencial lo mandé por error, ¿pueden borrarlo del ticket?"),
    # Russian opens with "В": strong with a full date, prose without one
    ("russian, unquoted history", "Спасибо, всё работает.\n\nВ пн, 1 июн. 2026 г. в 12:00, Поддержка "
     "написал(а):\n\nЗдравствуйте, проверьте принтер.\n", "Спасибо, всё работает."),
    ("russian story stays", "Здравствуйте.\nВ понедельник в 10:30 ваш менеджер написал:\nвсё будет завтра\n",
     "Здравствуйте.\nВ понедельник в 10:30 ваш менеджер написал:\nвсё будет завтра"),
    # Japanese Outlook: the sender key glued to the signature's last word
    ("japanese outlook, sender key glued to the signature", "資料を添付します。\n\n酒井差出人: Toshitaka Mochizuki\n\n"
     "送信日時: 2025年10月10日 10:57\n\n宛先: Itsuo Sakai\n\n件名: 試験\n\n酒井さん望月です\n",
     "資料を添付します。\n\n酒井"),
    ("a glued key with no header block stays", "私は差出人: 不明の手紙を受け取りました。\n",
     "私は差出人: 不明の手紙を受け取りました。"),
    # headers pasted as evidence are the customer's, not a reply's header block
    ("pasted headers are evidence", "TECHNICAL EVIDENCE\nMessage-ID: <a@x.test>\nDate: Mon, 8 Jan 2024 10:42:00 +0100\n"
     "From: Timo <t@x.test>\nTo: soporte@x.test\nSubject: Notice\n\nBest regards,\nTimo\n",
     "TECHNICAL EVIDENCE\nMessage-ID: <a@x.test>\nDate: Mon, 8 Jan 2024 10:42:00 +0100\nFrom: Timo <t@x.test>\n"
     "To: soporte@x.test\nSubject: Notice\n\nBest regards,\nTimo"),
    ("outlook's on behalf of folded without indent", "My reply.\n\nFrom: wg@x.test [mailto:wg-bounces@x.test] On\n"
     "Behalf Of Jordi Ros\nSent: Monday, January 8, 2024 10:42 AM\nTo: wg@x.test\nSubject: Re: x\n\nQuoted.\n",
     "My reply."),
    ("chinese outlook's original message", "好的\n\n-----邮件原件-----\n发件人: Li Ming <l@x.test>\n旧内容\n", "好的"),
    ("dutch original message", "Prima\n\n-----Origineel bericht-----\nVan: Jan <j@x.test>\noud\n", "Prima"),
    # an HTML header block in inline <b>s comes out on one line under the <hr>'s rule
    ("a glued header under a rule", "Reply\n\n---\n\nFrom: bob@x.test Date: Thu, 24 Mar 2016 08:07:12 -0700\n"
     "Quoted message\n", "Reply"),
    ("prose glued under a rule stays", "Reply\n\n---\n\nFrom: the start it failed. Date: unknown\nmore\n",
     "Reply\n\n---\n\nFrom: the start it failed. Date: unknown\nmore"),
    # a sign-off the client put under the quote; an answer typed there stays
    ("a sign-off under the quote", "Test reply\n\nOn 04/19/2011 07:10 AM, Roman Tkachenko <r@x.test> wrote:\n\n"
     "> Test\n\nRegards, Roman\n", "Test reply"),
    ("a two-line sign-off under the quote", "Ya funciona.\n\nEl lun, 8 ene 2024 a las 10:42, Soporte <s@x.test> "
     "escribió:\n> Hola\n\nSaludos cordiales,\nAna Ruiz\n", "Ya funciona."),
    ("an answer under the quote is no sign-off", "Hi\n\nOn Mon, Jan 8, 2024 at 10:42 AM Soporte <s@x.test> "
     "wrote:\n> Which day suits you?\n\nThanks, confirmed for Tuesday.\n", "Hi\n\nOn Mon, Jan 8, 2024 at 10:42 AM "
     "Soporte <s@x.test> wrote:\n> Which day suits you?\n\nThanks, confirmed for Tuesday."),
    # bottom-posting: the history on top, the answer under it
    ("a bottom-posted answer", "On 04/02/2012 06:26 PM, Megan One <m@x.test> wrote:\n> Hi\n> there\n\nHello\n",
     "Hello"),
    ("a bottom-posted answer to our mail", "El lun, 8 ene 2024 a las 10:42, Soporte <s@x.test> escribió:\n"
     "> ##- Escriba su respuesta encima de esta línea -##\n> Hola Ana:\n> Hemos recibido su solicitud.\n\n"
     "Sigue sin funcionar.\n", "Sigue sin funcionar."),
    ("answers between two quote blocks stay with their questions", "On Mon, Jan 8, 2024 at 10:42 AM Soporte "
     "<s@x.test> wrote:\n> Model?\nHP 400\n> Serial?\nX123\n", "On Mon, Jan 8, 2024 at 10:42 AM Soporte "
     "<s@x.test> wrote:\n> Model?\nHP 400\n> Serial?\nX123"),
    ("a lead-in over a quote on top stays", "They wrote me this:\n> we will refund you\n\nIt has been 3 weeks.\n",
     "They wrote me this:\n> we will refund you\n\nIt has been 3 weeks."),
    ("a disclaimer under the person's own text stays", "Please call me.\n\nThis e-mail is confidential. If you "
     "received it in error, notify the sender and delete it. See https://x.test/legal\n",
     "Please call me.\n\nThis e-mail is confidential. If you received it in error, notify the sender and "
     "delete it. See https://x.test/legal"),
    ("proton's hyphens", "ok\n\n‐‐‐‐‐‐‐ Original Message ‐‐‐‐‐‐‐\nOn Monday, January 1, 2024 10:00 AM, Ana "
     "<a@x.test> wrote:\n\nold\n", "ok"),
    ("from and date on one line", "Hi. I am fine.\n\nFrom: bob@x.test Date: Thu, 26 Jun 2014 13:53:45 +0400 "
     "To: alex@x.test Subject: Test\n\nHello! How are you?\n", "Hi. I am fine."),
    ("outlook footer as html renders it", "Thanks\n\nGet Outlook for iOS (https://aka.ms/o0ukef)", "Thanks"),
    ("proton footer", "Thanks\n\nSent with Proton Mail (https://proton.me/) secure email.", "Thanks"),
    ("proton footer as a markdown link", "Thanks\n\nSent from [Proton Mail](https://proton.me/mail/home) for Android.",
     "Thanks"),
    ("proton footer in spanish", "Gracias\n\nEnviado con el correo electrónico seguro de [Proton Mail](https://proton.me/).",
     "Gracias"),
    ("windows mail footer as a markdown link",
     "Thanks\n\nSent from [Mail](https://go.microsoft.com/fwlink/?LinkId=550986) for Windows", "Thanks"),
    ("prose naming proton mail stays", "Hola\n\nEnviado con Pedro a Proton Mail hoy", "Hola\n\nEnviado con Pedro a Proton Mail hoy"),
    ("german header wrapped over three lines", "Danke\n\nAm 26.5.2017\num 12:00 schrieb Adam\n<adam@x.test>:\n\n> Hallo\n",
     "Danke"),
    ("czech napsal(a), wrapped", "Díky.\n\nS pozdravem,\nB\nDne po 15. led. 2025 17:03 Anna Nováková <anna@x.test>\n"
     "napsal(a):\n> Ahoj B, pozice je opět otevřená.\n", "Díky.\n\nS pozdravem,\nB"),
    ("czech webmail over unquoted history", "Posílám údaje.\n\nDne út 7. 5. 2024 8:01 uživatel Podpora <podpora@x.test> "
     "napsal:\nPůvodní zpráva\n", "Posílám údaje."),
    ("arabic outlook sent key", "شكرا لك.\n\nمن: Soporte <soporte@x.test>\nتم الإرسال: Monday, May 20, 2024 10:11 AM\n"
     "إلى: ana@x.test\nالموضوع: Pedido\n\nNuestro mensaje\n", "شكرا لك."),
    ("sender and verb alone over unquoted history", "Danke sehr.\n\nTest User <test@x.test> schrieb:\nMeine alte Mail\n",
     "Danke sehr."),
    ("a bare address and verb under a phone footer", "Yes that would be fine\nSent from my iPhone\n\n"
     "jane@x.test wrote:\n\nHey, is it ok if I borrow your mouse?\n", "Yes that would be fine"),
    ("a whole header without its colon over unquoted history", "Lorem ipsum.\n\nOn Wed, 14 Nov 2018 08:14:43 -0200 "
     "John Doe <john@x.test> wrote\nWhen are you available?\n", "Lorem ipsum."),
    ("prose naming an address and a verb stays", "Hola.\n\nI really need you to check what juan@x.test wrote:\n"
     "nothing happened after that\n", "Hola.\n\nI really need you to check what juan@x.test wrote:\nnothing happened after that"),
    ("prose with a date, an address and wrote stays", "Hola.\n\nOn Monday at 10:30 in 2024 I asked juan@x.test what he wrote\n"
     "and nothing came back\n", "Hola.\n\nOn Monday at 10:30 in 2024 I asked juan@x.test what he wrote\nand nothing came back"),
]


@pytest.mark.parametrize(("body", "visible"), [case[1:] for case in MORE_CLIENTS],
                         ids=[case[0] for case in MORE_CLIENTS])
def test_more_clients_and_languages(body: str, visible: str) -> None:
    assert split_reply(body).visible == visible


PATHOLOGICAL = [
    ("one huge line", "x" * 2_000_000),
    ("huge line of >", ">" * 2_000_000),
    ("many quote lines", "Hola\n" + "> cita\n" * 200_000),
    ("many blank lines", "Hola" + "\n" * 500_000 + "> fin"),
    ("many on-lines", "On 1 Mon 10:00 x\n" * 100_000),
    ("many dash lines", "texto\n--\n" * 100_000),
    ("many rules", "____________\n\n\n" * 100_000),
    ("many from lines", "From: a@b.test\n" * 100_000),
    ("alternating", "texto\n> cita\nSent from my iPhone\n" * 50_000),
    ("long header-like lines", ("El " + "1 " * 5000 + "escribió:\n") * 200),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", [p[1] for p in PATHOLOGICAL], ids=[p[0] for p in PATHOLOGICAL])
def test_pathological_input_finishes(body: str) -> None:
    reply = split_reply(body)
    assert len(reply.visible) + len(reply.quoted) + len(reply.signature) <= len(body)


@pytest.mark.parametrize("body, visible, signature", [
    # Gmail puts what was typed into its signature block when the cursor sits there:
    # the salutation alone above it means the "signature" is the message
    ("Marta,\n-- \nGracias por su interés en el puesto de técnico. Me gustaría hablar con usted.\n"
     "¿Qué disponibilidad tiene el jueves?\n",
     "Marta,\nGracias por su interés en el puesto de técnico. Me gustaría hablar con usted.\n"
     "¿Qué disponibilidad tiene el jueves?", ""),
    # a closing, or a salutation over a name, keeps its signature
    ("Gracias,\n-- \nAna Ruiz\nTel. 600 000 000\n", "Gracias,", "--\nAna Ruiz\nTel. 600 000 000"),
    ("Un saludo,\n-- \nThis message and its attachments are confidential and for the addressee only.\n",
     "Un saludo,", "--\nThis message and its attachments are confidential and for the addressee only."),
    ("Hola,\n-- \nAna Ruiz\nJefa de compras\n", "Hola,", "--\nAna Ruiz\nJefa de compras"),
])
def test_a_message_typed_into_the_signature_block_stays_visible(body: str, visible: str, signature: str) -> None:
    reply = split_reply(body)
    assert (reply.visible, reply.signature) == (visible, signature)


def test_a_gmail_reply_inside_its_signature_block_is_read_whole() -> None:
    from daemon.ingest.html import html_to_text
    html = ('<div dir="ltr"><div>Marta,</div><div class="gmail_quote"><div dir="ltr" '
            'class="gmail_signature" data-smartmail="gmail_signature"><div>Gracias por su interés en el '
            'puesto de técnico. Me gustaría hablar con usted.</div><div>¿Qué disponibilidad tiene el '
            'jueves?</div></div></div></div>')
    assert "¿Qué disponibilidad tiene el jueves?" in split_reply(html_to_text(html)).visible


@pytest.mark.parametrize("body, visible", [
    # French Outlook's rule, and its header written without accents
    ("Merci.\n\n-----Message original-----\nEnvoyé : lundi 24 octobre 2022 18:42\n\nTexte ancien\n", "Merci."),
    ("Merci.\n\n** De : Ana <ana@cliente.test>\n** Envoye : lundi 24 octobre 2022 18:42 **\n"
     "** A : Soporte **\n** Objet : Devis **\n\nTexte ancien\n", "Merci."),
    # a sign-off after an em or en dash is a signature, as after "--"
    ("Funciona ya, gracias.\n\n—Daniel\n", "Funciona ya, gracias."),
    ("Funciona ya, gracias.\n\n–Daniel Pérez\n", "Funciona ya, gracias."),
])
def test_french_outlook_headers_and_dashed_sign_offs(body: str, visible: str) -> None:
    assert split_reply(body).visible == visible


# Reply headers as the mail programs' translations write them (Thunderbird, Evolution,
# Roundcube, SOGo, Horde, Mutt): the history goes, the new text stays.
LOCALIZED = [
    ("roundcube es block", "Gracias.\n\nRemitente: Ana Ruiz <ana@x.test>\nFecha: 23/11/2026 10:00\n"
     "Para: Soporte <s@x.test>\nAsunto: Pedido\n\nviejo"),
    ("thunderbird it block", "Grazie.\n\nMittente: Ana Ruiz <ana@x.test>\nData: lunedì 23 novembre 2026 10:00\n"
     "A: Soporte <s@x.test>\nOggetto: Ordine\n\nvecchio"),
    ("roundcube tr block", "Teşekkürler.\n\nGönderen: Ana Ruiz <ana@x.test>\nTarih: 23.11.2026 10:00\n"
     "Kime: Soporte <s@x.test>\nKonu: Sipariş\n\neski"),
    ("evolution fr original", "Merci.\n\n-------- Message initial --------\nDe: Ana Ruiz <ana@x.test>\n"
     "Date: lun. 23 nov. 2026 10:00\nÀ: Soporte <s@x.test>\nObjet: Commande\n\nancien"),
    ("thunderbird zh original", "谢谢\n\n-------- 原始消息 --------\n发件人: Ana Ruiz <ana@x.test>\n"
     "日期: 2026/11/23 10:00\n收件人: Soporte <s@x.test>\n主题: 订单\n\n旧的"),
    ("sogo es, verb capitalised", "Gracias.\n\nEl 23/11/2026 10:00, Ana Ruiz <ana@x.test> Ha escrito:\n\nviejo"),
    ("roundcube ru, date after the verb, above a quote", "Спасибо.\n\nAna Ruiz писал(а) 23.11.2026 10:00:\n> старое"),
    ("thunderbird es, name only, date after the verb", "Gracias.\n\nAna Ruiz escribió el 23/11/26 a las 10:00:\n> viejo"),
    ("thunderbird zh-TW, name only", "謝謝\n\nAna Ruiz 於 2026/11/23 上午10:00 寫道:\n> 舊的"),
    ("horde pl", "Dziękuję.\n\nCytowanie Ana Ruiz <ana@x.test>:\n\n> stary"),
    # a verb we do not know, a few words after the address: dated, a header anywhere ...
    ("thunderbird be, dated", "Дзякуй.\n\n23.11.26 у 10:00 Ana Ruiz <ana@x.test> напісаў:\n\nстары"),
    # ... undated, right above a quote
    ("geary bs, undated above a quote", "Hvala.\n\nAna Ruiz <ana@x.test> je napisao/la:\n> stari"),
    # header blocks labelled as the translations label them
    ("thunderbird fi block", "Kiitos.\n\nLähettäjä: Ana Ruiz <ana@x.test>\nPäiväys: maanantai 23. marraskuuta 2026 "
     "10.00\nVastaanottaja: Soporte <s@x.test>\nAihe: Tilaus\n\nvanha"),
    ("thunderbird he block", "תודה.\n\nמאת: Ana Ruiz <ana@x.test>\nתאריך: יום שני, 23 בנובמבר 2026 10:00\n"
     "אל: Soporte <s@x.test>\nנושא: הזמנה\n\nישן"),
]


@pytest.mark.parametrize("body", [case[1] for case in LOCALIZED], ids=[case[0] for case in LOCALIZED])
def test_localized_reply_headers_mark_the_history(body):
    new = body.split("\n\n", 1)[0]
    assert split_reply(body).visible == new


@pytest.mark.parametrize("body", [
    "Mire esto.\n\n-------- Mensagem reencaminhada --------\nAssunto: Pedido\nData: 23/11/2026 10:00\n"
    "De: Ana Ruiz <ana@x.test>\nPara: Loja <l@x.test>\n\nO pedido chegou partido.",
    "Mire esto.\n\n----- Forwarded message from Ana Ruiz <ana@x.test> -----\n\nDate: Mon, 23 Nov 2026 10:00\n"
    "From: Ana Ruiz <ana@x.test>\nTo: Loja <l@x.test>\nSubject: Pedido\n\nO pedido chegou partido.",
    "Mire esto.\n\n-------- Yönlendirilmiş İleti --------\nKonu: Sipariş\nTarih: 23.11.2026 10:00\n"
    "Gönderen: Ana Ruiz <ana@x.test>\nKime: Mağaza <l@x.test>\n\nSipariş kırık geldi.",
    # a label between dashes we do not know over a header block: kept, as a forward would be
    "Mire esto.\n\n-------- Edastatud kiri --------\nTeema: Tellimus\nKuupäev: esmaspäev, 23. november 2026 10:00\n"
    "Saatja: Ana Ruiz <ana@x.test>\nSaaja: Pood <l@x.test>\n\nTellimus saabus katkisena.",
    "Mire esto.\n\n━━━Thư đã chuyển tiếp━━━\nTừ: Ana Ruiz <ana@x.test>\nNgày: Thứ Hai, 23 tháng 11, 2026 10:00\n"
    "Tới: Cửa hàng <l@x.test>\nTiêu đề: Đơn hàng\n\nĐơn hàng bị vỡ.",
], ids=["pt-PT forward", "mutt forward", "tr forward", "an unknown label", "box-drawing dashes"])
def test_localized_forwards_are_kept_whole(body):
    assert split_reply(body).visible == body.strip()


def test_an_address_and_a_few_words_over_unquoted_text_stay_the_customers():
    body = "Gracias.\n\nEscríbanme a <ana@x.test> para más:\nmi teléfono es el 600 000 000"
    assert split_reply(body).visible == body


def test_a_dated_header_with_its_verb_over_unquoted_text_stays_the_customers():
    # conservative: a date and a verb without an address may be the customer quoting someone
    body = "Gracias.\n\nMi compañero escribió el 23/11/26 a las 10:00:\nel pedido sale mañana"
    assert split_reply(body).visible == body
