"""Category profiles: how each of the eight Pix2Fact categories appears in the sample set.

A profile fixes, per category, the kind of labelled object in the picture (sign, placard, shelf
label...), the kind of entity it names, which answer kinds its three tasks ask for, and the
question wording. Templates take `{colour}`, `{where}` (a leading-space position phrase or ""),
`{day}` and `{item}`; they describe the target by look and place, never by its text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryProfile:
    """Everything category-specific that the fact, page and question generators need."""

    category: str
    object_noun: str
    entity_noun: str
    types: tuple[str, ...]
    person_first: bool
    kinds: tuple[str, str, str]
    templates: dict[str, str]
    year_verb: str
    year_range: tuple[int, int]
    person_role: str
    price_items: tuple[str, ...]
    email_label: str
    sublines: tuple[str, ...]


PROFILES: tuple[CategoryProfile, ...] = (
    CategoryProfile(
        category="Street scene with people",
        object_noun="placard",
        entity_noun="group",
        types=("Street Choir", "Runners Club", "Book Circle", "Garden Society", "Brass Band",
               "Cycling Club", "Chess Society", "Youth Theatre", "Swim Club", "Film Society"),
        person_first=False,
        kinds=("year", "name", "email"),
        templates={
            "year": "Someone in this photo holds up a placard with a {colour} background{where}. "
                    "In what year was the group named on it founded?",
            "name": "Who founded the group named on the {colour} placard held up{where}?",
            "email": "What email address does the group on the {colour} placard{where} give for "
                     "membership enquiries?",
        },
        year_verb="founded",
        year_range=(1948, 2016),
        person_role="founder",
        price_items=("annual membership", "junior membership", "family membership"),
        email_label="Membership enquiries",
        sublines=("Join us this Saturday", "All welcome", "New members wanted", "Free entry"),
    ),
    CategoryProfile(
        category="Storefronts & facades",
        object_noun="sign",
        entity_noun="shop",
        types=("Bakery", "Books", "Florist", "Tailors", "Coffee House", "Bicycle Shop",
               "Hardware", "Barbers", "Deli", "Tea Room", "Opticians", "Pharmacy"),
        person_first=False,
        kinds=("phone", "hours", "address"),
        templates={
            "phone": "What is the phone number of the shop whose sign has a {colour} background?",
            "hours": "What are the {day} opening hours of the business whose sign is painted "
                     "{colour}{where}?",
            "address": "What street address does the shop with the {colour} sign{where} list on "
                       "its website?",
        },
        year_verb="opened",
        year_range=(1921, 2017),
        person_role="owner",
        price_items=("gift voucher", "loyalty card", "delivery"),
        email_label="General enquiries",
        sublines=("Open daily", "Fresh every morning", "Walk-ins welcome", "Gifts and cards"),
    ),
    CategoryProfile(
        category="Retail & commercial interior",
        object_noun="shelf label",
        entity_noun="brand",
        types=("Pantry", "Honey Co.", "Soap Works", "Tea Company", "Preserves", "Chocolate",
               "Spice Co.", "Coffee Roasters", "Biscuits", "Olive Oil"),
        person_first=False,
        kinds=("price", "email", "year"),
        templates={
            "price": "A shelf label with a {colour} background names a brand. What price does "
                     "that brand's website list for its {item}?",
            "email": "What is the general enquiries email address of the brand on the {colour} "
                     "shelf label?",
            "year": "In what year was the brand named on the {colour} shelf label{where} founded?",
        },
        year_verb="founded",
        year_range=(1958, 2018),
        person_role="founder",
        price_items=("100 g pouch", "250 g gift tin", "1 kg refill bag"),
        email_label="General enquiries",
        sublines=("per 100 g", "new flavour", "special offer", "limited batch"),
    ),
    CategoryProfile(
        category="Traffic & infrastructure",
        object_noun="road sign",
        entity_noun="facility",
        types=("Park & Ride", "Street Garage", "Stadium", "Bus Depot", "Ferry Terminal",
               "Recycling Centre", "Sports Centre", "Car Park", "Freight Yard", "Ice Rink"),
        person_first=False,
        kinds=("hours", "price", "phone"),
        templates={
            "hours": "The road sign with a {colour} face{where} points to a facility. What are "
                     "that facility's {day} opening hours?",
            "price": "How much does the facility named on the {colour} road sign charge for "
                     "{item}?",
            "phone": "What phone number is listed for the facility that the {colour} sign{where} "
                     "directs drivers to?",
        },
        year_verb="opened",
        year_range=(1962, 2016),
        person_role="site manager",
        price_items=("the first hour of parking", "a full day of parking", "a monthly pass"),
        email_label="General enquiries",
        sublines=("Next exit", "Follow signs", "2 km ahead", "Turn left"),
    ),
    CategoryProfile(
        category="Markets & outdoor vendors",
        object_noun="stall banner",
        entity_noun="vendor",
        types=("Family Farm", "Orchards", "Dairy", "Bakehouse", "Apiary", "Mushrooms",
               "Flower Farm", "Smokehouse", "Cider Press", "Fishmongers", "Greens", "Creamery"),
        person_first=False,
        kinds=("phone", "price", "hours"),
        templates={
            "phone": "What is the phone number of the vendor whose stall has the {colour} "
                     "banner{where}?",
            "price": "How much does the vendor with the {colour} stall banner charge for a "
                     "{item}?",
            "hours": "The stall with the {colour} banner{where} belongs to a vendor with a farm "
                     "shop. What are the shop's {day} opening hours?",
        },
        year_verb="started trading",
        year_range=(1968, 2019),
        person_role="owner",
        price_items=("small box", "large box", "weekly subscription box"),
        email_label="Orders",
        sublines=("Local produce", "Picked today", "Cash and card", "Taste before you buy"),
    ),
    CategoryProfile(
        category="Public & cultural interior",
        object_noun="plaque",
        entity_noun="artist",
        types=(),
        person_first=True,
        kinds=("year", "name", "email"),
        templates={
            "year": "In what year was the artist named on the plaque with the {colour} background "
                    "born?",
            "name": "According to the artist's own website, who taught the artist named on the "
                    "{colour} plaque{where}?",
            "email": "What email address does the artist on the {colour} plaque list for studio "
                     "enquiries?",
        },
        year_verb="born",
        year_range=(1938, 1996),
        person_role="teacher",
        price_items=("signed print", "small study", "commission"),
        email_label="Studio enquiries",
        sublines=("Oil on canvas", "Acrylic on board", "Mixed media", "Watercolour on paper"),
    ),
    CategoryProfile(
        category="Landmarks & attractions",
        object_noun="information board",
        entity_noun="attraction",
        types=("Clock Tower", "Botanic Garden", "Maritime Museum", "Lighthouse", "Observatory",
               "Abbey Ruins", "Memorial Bridge", "Castle Keep", "Water Tower", "Glass House",
               "Town Hall", "Windmill"),
        person_first=False,
        kinds=("year", "name", "price"),
        templates={
            "year": "In what year was the attraction on the information board with the {colour} "
                    "panel{where} completed?",
            "name": "Who was the architect of the attraction named on the {colour} information "
                    "board?",
            "price": "What is the price of {item} at the attraction whose information board has "
                     "a {colour} panel{where}?",
        },
        year_verb="completed",
        year_range=(1702, 1934),
        person_role="architect",
        price_items=("child admission", "adult admission", "a family ticket"),
        email_label="Visitor enquiries",
        sublines=("Visitor information", "Open today", "Guided tours", "Step-free access"),
    ),
    CategoryProfile(
        category="Cityscape & aerial",
        object_noun="rooftop sign",
        entity_noun="company",
        types=("Mutual", "Logistics", "Systems", "Media Group", "Holdings", "Insurance",
               "Energy", "Bank", "Telecom", "Shipping", "Analytics", "Foods"),
        person_first=False,
        kinds=("address", "year", "phone"),
        templates={
            "address": "What is the head-office address of the company whose rooftop sign has a "
                       "{colour} background?",
            "year": "In what year was the company with the {colour} rooftop sign{where} founded?",
            "phone": "What is the main phone number of the company on the {colour} rooftop "
                     "sign{where}?",
        },
        year_verb="founded",
        year_range=(1899, 2011),
        person_role="chief executive",
        price_items=("share", "annual report", "site tour"),
        email_label="General enquiries",
        sublines=("Head office", "Since day one", "Building tomorrow", "At your service"),
    ),
)

PROFILE_BY_CATEGORY: dict[str, CategoryProfile] = {profile.category: profile for profile in PROFILES}
