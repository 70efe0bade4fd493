"""Stop words added to spaCy's lists, where those lack whole word classes.

spaCy's Latvian list has prepositions and auxiliaries but no pronouns, so "es", "kas" and
"viņa" topped every keyness table. Inflected forms are not needed: stop words are compared
by key, and the key covers the forms.
"""

from __future__ import annotations

EXTRA: dict[str, frozenset[str]] = {
    "lv": frozenset(
        """
        es tu viņš viņa mēs jūs viņi viņas tas tā tie tās šis šī šie šīs tāds tāda kas kurš
        kura kuri kuras kāds kāda kādi kādas kaut kas nekas nekāds neviens viss visi visas
        katrs katra cits cita citi pats pati sevi savs sava mans mana tavs tava mūsu jūsu
        viņu ko kur kad kāpēc kā cik tur te šeit tagad tad vēl jau nav nebija būtu ir arī
        ļoti tikai vai un bet jo ka lai ja
        """.split()
    ),
}
