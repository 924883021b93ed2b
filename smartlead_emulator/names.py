"""Static vocabularies for generated data.

Names are (display, ascii) pairs: the display form exercises unicode handling end to end,
the ascii form builds deliverable-looking email addresses. Subjects and bodies use Smartlead's
`{{first_name}}` / `{{company_name}}` variables, filled in per lead when a message is sent.
"""
# Non-ASCII look-alikes (en dashes, dotless i, Greek/Cyrillic letters) are the point here.
# ruff: noqa: RUF001

from __future__ import annotations

FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("José", "jose"), ("Zoë", "zoe"), ("Łukasz", "lukasz"), ("李雷", "lilei"),
    ("Søren", "soren"), ("Chloé", "chloe"), ("Jürgen", "jurgen"), ("Siobhán", "siobhan"),
    ("Małgorzata", "malgorzata"), ("Björn", "bjorn"), ("François", "francois"),
    ("Øystein", "oystein"), ("Ayşe", "ayse"), ("İbrahim", "ibrahim"), ("Dmitrí", "dmitri"),
    ("王芳", "wangfang"), ("Ana", "ana"), ("Charles", "charles"), ("Priya", "priya"),
    ("Mateo", "mateo"), ("Emma", "emma"), ("Noah", "noah"), ("Aoife", "aoife"),
    ("Renée", "renee"), ("Yūki", "yuki"), ("Αλέξανδρος", "alexandros"), ("Олег", "oleg"),
    ("Nguyễn", "nguyen"), ("Fatima", "fatima"), ("Liam", "liam"),
)

LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Ñúñez", "nunez"), ("García", "garcia"), ("Kowalski", "kowalski"), ("Müller", "muller"),
    ("Østergaard", "ostergaard"), ("O'Brien", "obrien"), ("Dubois", "dubois"),
    ("Wang", "wang"), ("Tanaka", "tanaka"), ("Smith", "smith"), ("Lefèvre", "lefevre"),
    ("Papadopoulos", "papadopoulos"), ("Yılmaz", "yilmaz"), ("Novák", "novak"),
    ("Þórsson", "thorsson"), ("Newson", "newson"), ("Rossi", "rossi"), ("Silva", "silva"),
    ("Van der Berg", "vanderberg"), ("Nakamura", "nakamura"), ("Ólafsdóttir", "olafsdottir"),
    ("Żółć", "zolc"), ("Patel", "patel"), ("Kim", "kim"),
)

COMPANIES: tuple[tuple[str, str], ...] = (
    ("Acme Corp", "acme.example"), ("Globex", "globex.example"),
    ("Initech", "initech.example"), ("Umbrella Ltd", "umbrella.example"),
    ("Hooli", "hooli.example"), ("Stark Industries", "stark.example"),
    ("Wayne Enterprises", "wayne.example"), ("Soylent", "soylent.example"),
    ("Nordisk Fisk A/S", "nordiskfisk.example"), ("Café Crème SARL", "cafecreme.example"),
    ("Żabka Tech", "zabka.example"), ("東京ソフト", "tokyosoft.example"),
    ("Five2One", "five2one.example"), ("Vandelay Industries", "vandelay.example"),
)

LOCATIONS: tuple[str, ...] = (
    "London", "Paris", "Kraków", "São Paulo", "München", "København", "Zürich", "東京",
    "New York", "Bengaluru", "Reykjavík", "Sydney", "Montréal", "İstanbul",
)

TITLES: tuple[str, ...] = (
    "Regional Manager", "CTO", "Head of Growth", "VP Sales", "Founder", "Directeur Général",
    "Geschäftsführer", "Ops Lead",
)

INDUSTRIES: tuple[str, ...] = ("SaaS", "Retail", "Fintech", "Logistics", "Healthcare", "Media")

MAILBOX_NAMES: tuple[tuple[str, str], ...] = (
    ("Jöhn Šmith", "john"), ("Ana Lúcia", "ana"), ("Marek Łęcki", "marek"),
    ("Sofía Ruiz", "sofia"), ("陈静", "chenjing"), ("Åsa Lind", "asa"), ("Ravi Kumar", "ravi"),
    ("Chloé Martin", "chloe"), ("Jørgen Berg", "jorgen"), ("Mia Wong", "mia"),
)

MAILBOX_DOMAINS: tuple[str, ...] = (
    "smartlead-outbound.example", "getreach.example", "mailhub.example", "outreach-hq.example",
)

# (type, smtp host, imap host) per provider; the API's type enum is SMTP/GMAIL/ZOHO/OUTLOOK.
MAILBOX_PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("SMTP", "smtp.mailhub.example", "imap.mailhub.example"),
    ("GMAIL", "smtp.gmail.com", "imap.gmail.com"),
    ("ZOHO", "smtp.zoho.com.au", "imap.zoho.com.au"),
    ("OUTLOOK", "smtp.office365.com", "outlook.office365.com"),
)

CLIENT_NAMES: tuple[str, ...] = (
    "Ramesh Client", "Carrot Agency", "Ünited Leads GmbH", "Blue Fox Media", "Łódź Growth",
    "Pixel & Co", "Nordlys AS",
)

CAMPAIGN_NAMES: tuple[str, ...] = (
    "My Epic Campaign", "Q3 Outbound – EMEA", "Founders 🚀 intro", "Réactivation clients",
    "SL - High Intent Leads guide", "Webinar follow-up", "Sai | General", "Partner outreach",
    "Cold intro – DACH", "Holiday promo",
)

SUBJECTS: tuple[str, ...] = (
    "Quick question for you, {{first_name}}", "{{first_name}}, idea for {{company_name}}",
    "Smartlead - {{first_name}}",
    "Worth a chat?", "{{company_name}} + us", "Un petit café, {{first_name}} ?",
)

BODIES: tuple[str, ...] = (
    "<p>Hi {{first_name}},<br><br>How are you?<br><br>Hope you're doing good</p>",
    "<div>Hi {{first_name}}, noticed {{company_name}} is growing fast – worth a 10 min chat?</div>",
    "<p>Hey {{first_name}}!</p><p>Bump up right!</p>",
    "<p>Bonjour {{first_name}}, une question rapide sur {{company_name}}.</p>",
    "<p>{{first_name}}, last note from me – shall I close your file?</p>",
)

REPLY_BODIES: tuple[str, ...] = (
    "<p>Yes, happy to talk. Tuesday works.</p>",
    "<p>Not interested, thanks.</p>",
    "<p>I'm out of office until next week.</p>",
    "<p>Please send more information – ¿tienen precios?</p>",
    "<p>Wrong person, try my colleague.</p>",
    "<p>Sounds good 👍 let's do it.</p>",
)

TRACK_SETTINGS: tuple[str, ...] = (
    "DONT_TRACK_EMAIL_OPEN", "DONT_TRACK_LINK_CLICK", "DONT_TRACK_REPLY_TO_AN_EMAIL",
)

STOP_LEAD_SETTINGS: tuple[str, ...] = ("REPLY_TO_AN_EMAIL", "CLICK_ON_A_LINK", "OPEN_AN_EMAIL")

TIMEZONES: tuple[str, ...] = (
    "Australia/Sydney", "America/New_York", "Europe/Paris", "Asia/Kolkata", "UTC",
)

WEBHOOK_EVENTS: tuple[str, ...] = (
    "EMAIL_SENT", "EMAIL_OPEN", "EMAIL_LINK_CLICK", "EMAIL_REPLY", "LEAD_UNSUBSCRIBED",
    "LEAD_CATEGORY_UPDATED",
)

# The seed's seven lead categories, verbatim (ids, names and creation times).
CATEGORIES: tuple[tuple[int, str, str], ...] = (
    (1, "2022-08-30T12:32:48.645Z", "Interested"),
    (2, "2022-08-30T12:32:55.159Z", "Meeting Request"),
    (3, "2022-08-30T12:33:02.286Z", "Not Interested"),
    (4, "2022-08-30T12:33:09.895Z", "Do Not Contact"),
    (5, "2022-08-30T12:33:16.204Z", "Information Request"),
    (6, "2022-08-30T12:33:22.323Z", "Out Of Office"),
    (7, "2022-08-30T12:33:28.519Z", "Wrong Person"),
)

# -- live-shape extras -----------------------------------------------------------------------

TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

WARMUP_BLOCKED_REASONS: tuple[str, ...] = (
    "Too many bounces on warmup emails",
    "SMTP authentication failed – re-connect the mailbox",
)

# (tag_id, tag_name, tag_color) on email accounts; (id, name, color) on campaigns.
ACCOUNT_TAGS: tuple[tuple[int, str, str], ...] = (
    (311, "Primary", "#F0C080"), (312, "Warmup only", "#7FB3D5"), (313, "Équipe FR", "#A3E4D7"),
)
CAMPAIGN_TAGS: tuple[tuple[int, str, str], ...] = (
    (44, "ramesh", "#F0C080"), (45, "Q3 – pipeline", "#E74C3C"), (46, "inbound", "#2ECC71"),
)

MANUAL_BODIES: tuple[str, ...] = (
    "<p>Great – here is my calendar link.</p>",
    "<p>Thanks for letting me know, I will follow up next quarter.</p>",
    "<p>Merci ! Je vous envoie la brochure.</p>",
)

# Seed categories' sentiment on the live API, plus custom categories (large ids).
CATEGORY_SENTIMENT: dict[int, str | None] = {
    1: "positive", 2: "positive", 3: "negative", 4: "negative", 5: "positive", 6: None,
    7: "negative",
}
CUSTOM_CATEGORIES: tuple[tuple[int, str, str, str | None], ...] = (
    (78_812, "2024-01-09T10:11:12.345Z", "Referral", "positive"),
    (103_455, "2024-03-02T08:00:01.002Z", "Bad timing – Q4", None),
)
