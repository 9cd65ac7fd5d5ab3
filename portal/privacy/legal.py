"""Legal bases the declarations name for fields that outlive an erasure (German; the record and the notice show
them). The retention rules carry their own, editable, in the database."""

from django.utils.translation import gettext_lazy as _

FUNDING_FILE = _("BHO § 70 / VV-BHO: Aufbewahrung der Förderakte; Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. § 3 BDSG")
AUDIT = _(
    "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG: Nachvollziehbarkeit des Verwaltungshandelns; "
    "der Verweis zeigt nach einer Löschung auf das Pseudonym"
)
ACCOUNTABILITY = _(
    "Art. 5 Abs. 2 und Art. 17 DSGVO: Nachweis, dass ein Löschantrag bearbeitet wurde; "
    "der Antrag zeigt nach der Löschung auf das Pseudonym"
)
