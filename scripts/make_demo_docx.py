"""Write the demo interview transcripts/LV-03.docx (python-docx), byte-for-byte reproducibly.

Run from the repository root: ``python scripts/make_demo_docx.py``. The text is embedded below;
the file has a heading, two header paragraphs (date, place) and then one paragraph per speaker
turn that starts with a bold label run (``Intervētāja:``) followed by the utterance in a normal run.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document

OUT = Path(__file__).resolve().parent.parent / "transcripts" / "LV-03.docx"
FIXED = datetime(2021, 6, 15, 12, 0, 0, tzinfo=timezone.utc)

HEADING = "Intervija ar Aivaru Ozolu, Talsu pamatskolas direktora vietnieku izglītības jomā"

HEADER = [
    "Datums – 2021. gada 15. jūnijs",
    "Vieta – Talsi, skolas bibliotēka",
]

TURNS = [
    (
        "Intervētāja",
        "Labdien! Lūdzu, pastāstiet par savu darbu skolā.",
    ),
    (
        "Respondents",
        "Esmu direktora vietnieks izglītības jomā, šajā skolā strādāju divpadsmit gadus. Pie "
        "mums mācās vienpadsmit romu bērni, no pirmās līdz astotajai klasei.",
    ),
    (
        "Intervētāja",
        "Kā notiek sadarbība ar romu mediatori?",
    ),
    (
        "Respondents",
        "Anita ir mūsu galvenais tilts uz ģimenēm. Ja bērns nav skolā trīs dienas, es zvanu "
        "viņai, un viņa aiziet uz mājām un noskaidro, kas noticis. Parasti jau nākamajā dienā"
        " bērns ir klasē.",
    ),
    (
        "Intervētāja",
        "Vai ir bijuši gadījumi, kad tas nestrādā?",
    ),
    (
        "Respondents",
        "Ir. Viens puisis septītajā klasē bija iekavējis gandrīz pusi mācību gada. Tur mēs "
        "kopā ar Anitu un sociālo dienestu ilgi strādājām, iesaistījām arī projektu "
        "„Pumpurs”, un pavasarī viņš tomēr pabeidza gadu.",
    ),
    (
        "Intervētāja",
        "Lūdzu, novērtējiet dažus apgalvojumus no viena līdz desmit. Profesionāla un efektīva"
        " sadarbība.",
    ),
    (
        "Respondents",
        "Astoņi.",
    ),
    (
        "Intervētāja",
        "Mēs daudz ko darām kopīgiem spēkiem.",
    ),
    (
        "Respondents",
        "Deviņi. Esam kopā noorganizējuši arī vecāku dienu.",
    ),
    (
        "Intervētāja",
        "Mums ir labas savstarpējās attiecības un sadarbība.",
    ),
    (
        "Respondents",
        "Deviņi.",
    ),
    (
        "Intervētāja",
        "Uz konkrētām darbībām vērsta sadarbība.",
    ),
    (
        "Respondents",
        "Deviņi.",
    ),
    (
        "Intervētāja",
        "Regulāri apmaināmies ar informāciju.",
    ),
    (
        "Respondents",
        "Astoņi.",
    ),
    (
        "Intervētāja",
        "Mūsu komunikācija varēja būt labāka.",
    ),
    (
        "Respondents",
        "Teiksim, seši. Nav slikti, bet bieži par problēmām ģimenē uzzinu tikai tad, kad "
        "bērns jau ilgi nav bijis skolā. Gribētos, lai Anita pati biežāk ziņo un zvana, nevis"
        " gaida, kad es viņu sameklēšu.",
    ),
    (
        "Intervētāja",
        "Sadarbība nebija efektīva.",
    ),
    (
        "Respondents",
        "Viens.",
    ),
    (
        "Intervētāja",
        "Sadarbības vispār nebija.",
    ),
    (
        "Respondents",
        "Šo es neaizpildīšu, jo sadarbība ir bijusi.",
    ),
    (
        "Intervētāja",
        "Kas jums, skolai, būtu visvairāk vajadzīgs?",
    ),
    (
        "Respondents",
        "Skolotāja palīgs, kurš runā romu valodā. Mazie, kas atnāk uz pirmo klasi, bieži "
        "slikti saprot latviešu valodu, un skolotājai ar divdesmit bērniem klasē nav laika "
        "katram paskaidrot. Palīgs varētu sēdēt blakus un palīdzēt apgūt skolas ikdienas "
        "lietas.",
    ),
    (
        "Intervētāja",
        "Vai mediatore to nevar darīt?",
    ),
    (
        "Respondents",
        "Viņa reizēm nāk uz mācību stundām, bet viņai jāstrādā ar visām ģimenēm pilsētā, viņa"
        " nevar sēdēt klasē katru dienu. Tas ir cits amats, tur vajag savu cilvēku.",
    ),
    (
        "Intervētāja",
        "Kas vēl uzlabotu sadarbību?",
    ),
    (
        "Respondents",
        "Anitai noteikti vajadzētu mācības par izglītības sistēmu — kā strādā atbalsta "
        "komanda, kas ir individuālais izglītības plāns, kādas ir vecāku tiesības un "
        "pienākumi. Tad viņa varētu labāk izskaidrot vecākiem, ko skola no viņiem grib.",
    ),
    (
        "Intervētāja",
        "Un no pašvaldības puses?",
    ),
    (
        "Respondents",
        "Manuprāt, mediatoram būtu jābūt pašvaldības darbiniekam, nevis projekta cilvēkam. "
        "Projekts beidzas, un mēs paliekam bez viņas. Tā ir vieta, kurai jābūt pastāvīgai.",
    ),
    (
        "Intervētāja",
        "Vai skolotāji zina par mediatores darbu?",
    ),
    (
        "Respondents",
        "Klašu audzinātāji, kuriem ir romu bērni, zina. Pārējie ne pārāk. Augustā, pirms "
        "mācību gada sākuma, mums ir pedagogu sanāksme, un tur Anitu varētu uzaicināt "
        "pastāstīt, ar ko viņa var palīdzēt.",
    ),
    (
        "Intervētāja",
        "Ko mediatore varētu darīt vēl labāk?",
    ),
    (
        "Respondents",
        "Viņa dara visu, kas ir viņas spēkos. Ja kaut ko, tad strādāt strukturētāk. Viņai ir "
        "tik daudz ģimeņu, ka reizēm aizmirst, ko bija solījusi, un darbs izskatās mazliet "
        "haotisks. Varbūt palīdzētu vienkāršs saraksts vai plāns katrai nedēļai.",
    ),
    (
        "Intervētāja",
        "Kā gāja attālināto mācību laikā?",
    ),
    (
        "Respondents",
        "Tas bija smags laiks. Trešdaļai romu bērnu nebija ne datora, ne interneta, dažiem "
        "pat telefona. Anita katru pirmdienu paņēma skolā darba lapas, aiznesa uz mājām un "
        "piektdienā atnesa atpakaļ. Bez viņas mēs šos bērnus vienkārši būtu pazaudējuši.",
    ),
    (
        "Intervētāja",
        "Vai viņa palīdzēja arī citādi?",
    ),
    (
        "Respondents",
        "Jā, viņa sazvanīja ģimenes, kad sākās nodarbības Zoom platformā, un rādīja vecākiem,"
        " kā bērnam pieslēgties. Pāris mammām viņa pat iemācīja atvērt e-klasi telefonā.",
    ),
    (
        "Intervētāja",
        "Kā jūs kopumā vērtētu viņas ieguldījumu?",
    ),
    (
        "Respondents",
        "Ļoti augstu. Romu bērnu kavējumu skaits pēdējos divos gados ir samazinājies, un tas "
        "lielā mērā ir viņas nopelns.",
    ),
    (
        "Intervētāja",
        "Vai skolā ir vēl kādas izmaiņas, kas saistītas ar mediatori?",
    ),
    (
        "Respondents",
        "Jā, mainījies ir arī stundu saraksts pagarinātās dienas grupai — romu bērni tagad "
        "paliek uz mājasdarbu pildīšanu, jo Anita vecākiem izskaidroja, kāpēc tas ir "
        "vajadzīgs.",
    ),
    (
        "Intervētāja",
        "Paldies par sarunu.",
    ),
    (
        "Respondents",
        "Lūdzu, lai veicas ar izvērtējumu.",
    ),
]


def build() -> bytes:
    """The .docx bytes, with fixed metadata and zip timestamps so reruns are identical."""
    doc = Document()
    props = doc.core_properties
    props.author = "Izvērtējuma komanda"
    props.last_modified_by = "Izvērtējuma komanda"
    props.title = HEADING
    props.created = FIXED
    props.modified = FIXED
    props.revision = 1
    doc.add_heading(HEADING, level=1)
    for line in HEADER:
        doc.add_paragraph(line)
    for label, text in TURNS:
        para = doc.add_paragraph()
        para.add_run(f"{label}:").bold = True
        para.add_run(f" {text}")
    raw = io.BytesIO()
    doc.save(raw)
    # python-docx stamps zip entries with the current time; rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
