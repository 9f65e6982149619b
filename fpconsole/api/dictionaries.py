"""Code lists the Card API uses (SPEC §1.4 and §4).

CONFIRMED lists come from the vendor's Dictionaries page. Lists marked INFERRED are the
sandbox's and the console's best reading; each lives here and nowhere else so a correction is
one edit.
"""

from __future__ import annotations

from typing import Final

# --- CONFIRMED (SPEC §4.2-4.5) -----------------------------------------------------------

PRODUCTS: Final[dict[int, str]] = {
    1000: "Freedom Wallet Card",
    2000: "Instant Card",
    3000: "Electron Card",
}
KYC_PRODUCT: Final = 1000
# For product 1000 the Dictionaries page makes these client fields mandatory.
KYC_REQUIRED_FIELDS: Final[tuple[str, ...]] = (
    "country",
    "person_id",
    "document",
    "address1",
    "address2",
)

CLIENT_TYPES: Final[dict[int, str]] = {
    1: "individual",
    2: "legal entity",
    3: "individual entrepreneur",
}
RESIDENCY: Final[dict[int, str]] = {1: "resident", 2: "non-resident"}

REQUEST_STATUSES: Final = ("success", "process", "error")
FINAL_REQUEST_STATUSES: Final = frozenset({"success", "error"})
API_STATUSES: Final = ("ok", "error")

LIMIT_OBJECT_TYPES: Final = ("card", "account", "client")
LIMIT_TRANSACTION_TYPES: Final = ("withdrawal_atm", "withdrawal", "pay", "pay_online_non3ds")
LIMIT_PERIODS: Final = ("day", "month")
LIMIT_AMOUNT_TYPES: Final = ("max",)

# --- INFERRED (SPEC §4.6, §4.7: no vendor table exists) -----------------------------------

# Card statuses: "issued" cards start inactive; closed is final.
CARD_STATUSES: Final = ("inactive", "active", "blocked", "closed")
# Only "new" was seen in the docs; the rest is the sandbox's lifecycle.
TRANSACTION_STATUSES: Final = ("new", "success", "error", "cleared", "refunded")
# Plastic card orders progress on their own after Issue plastic card.
PLASTIC_STATUSES: Final = ("ordered", "produced", "delivered")
# Statement operation types.
OPERATION_TYPES: Final = ("pay", "refund", "credit", "withdrawal")

# --- ISO code lists ----------------------------------------------------------------------
# Kept as plain strings so importing costs nothing measurable.

COUNTRIES_ALPHA3: Final = frozenset(
    """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR
BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG
COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH
FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY
HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM
KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL
MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU
SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA
TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB
VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
""".split()
)

CURRENCIES_ALPHA3: Final = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
""".split()
)

LANGUAGES_ALPHA2: Final = frozenset(
    """
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch
co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy
ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it
iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty
ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split()
)
