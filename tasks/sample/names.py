"""Word pools for the fictional names, places and people in the sample set.

All names are invented. `TWIN_WORDS` pairs a word with a near-identical spelling. Every target
entity's name starts with one of these words (people's names end with one). The generator can
therefore make a look-alike whose name differs in that word only ("Harbour ..." vs "Harbor ...").
"""

from __future__ import annotations

TWIN_WORDS: dict[str, str] = {
    "Harbour": "Harbor",
    "Greystone": "Graystone",
    "Marlow": "Marlowe",
    "Fennick": "Fenwick",
    "Kelby": "Kelbey",
    "Colbourne": "Colburn",
    "Whitmore": "Whitmoor",
    "Brookfield": "Brookefield",
    "Linden": "Lyndon",
    "Redmond": "Redmund",
    "Hollins": "Hollings",
    "Carrow": "Carow",
    "Thornbury": "Thornberry",
    "Aldridge": "Aldrich",
    "Bramley": "Bramleigh",
    "Calder": "Caldor",
    "Denholm": "Denholme",
    "Foxley": "Foxlee",
    "Garroway": "Garraway",
    "Haverly": "Haverley",
    "Keswick": "Kesswick",
    "Larkin": "Larken",
    "Merriden": "Meriden",
    "Norcross": "Norcrosse",
    "Rosslyn": "Roslyn",
    "Sandford": "Sanford",
    "Westbury": "Westberry",
    "Yardley": "Yardly",
    "Ellery": "Ellory",
    "Morland": "Moreland",
    "Kingsley": "Kingsly",
    "Ashby": "Ashbey",
    "Penhallow": "Penhalow",
    "Stanwick": "Stanwyck",
    "Tolland": "Toland",
    "Wexcombe": "Wexcomb",
}

PLACE_WORDS: tuple[str, ...] = (
    "Eastbank", "Northgate", "Riverside", "Hillcrest", "Stonebridge", "Kingsway", "Southwick",
    "Fairfield", "Westgate", "Highfield", "Parkside", "Brightwater", "Moorland", "Foxhollow",
    "Larkspur", "Silverdale", "Greenway", "Elmstead", "Bayview", "Millrace", "Oakfield",
    "Rosehill", "Cliffside", "Summerhill", "Windmere", "Lakeside", "Redbrook", "Birchwood",
    "Claymore", "Driftwood", "Goldcrest", "Ironbridge", "Lowfield", "Mapleton", "Newhaven",
    "Quayside", "Saltmarsh", "Tidewell", "Underhill", "Valemont",
)

SECOND_WORDS: tuple[str, ...] = (
    "Lantern", "Kettle", "Fern", "Anchor", "Sparrow", "Willow", "Meadow", "Compass", "Thistle",
    "Saffron", "Pebble", "Orchard", "Maple", "Cedar", "Ember", "Harvest", "Juniper", "Lark",
    "Otter", "Quill", "Ribbon", "Bramble", "Clover", "Acorn", "Beacon", "Cobble", "Finch",
    "Heron", "Ivy", "Mulberry", "Nettle", "Poppy", "Robin", "Sorrel", "Wren", "Hazel",
)

GIVEN_NAMES: tuple[str, ...] = (
    "Mariana", "Tobias", "Ines", "Declan", "Priya", "Oskar", "Leona", "Rafael", "Hana", "Emeka",
    "Sofia", "Callum", "Yuki", "Amara", "Bruno", "Clara", "Dmitri", "Elif", "Felix", "Greta",
    "Hugo", "Imogen", "Jonas", "Keiko", "Lucas", "Maren", "Nadia", "Omar", "Paloma", "Quentin",
    "Rosa", "Samir", "Tessa", "Umar", "Vera", "Wendell", "Ximena", "Yusuf", "Zara", "Anika",
)

FAMILY_NAMES: tuple[str, ...] = (
    "Okafor", "Lindqvist", "Moreau", "Castellano", "Hartigan", "Nakamura", "Petrov", "Achebe",
    "Delacroix", "Fairweather", "Gallagher", "Holloway", "Ivanova", "Jablonski", "Kowalczyk",
    "Lombardi", "Mendoza", "Novak", "Oyelaran", "Pemberton", "Quarshie", "Rasmussen", "Sorensen",
    "Takahashi", "Underwood", "Valdez", "Whitcombe", "Xu", "Yilmaz", "Zielinski", "Abernathy",
    "Bergstrom", "Cardenas", "Dunleavy", "Esposito", "Falkner", "Grimaldi", "Haddad", "Ishikawa",
    "Jovanovic", "Kilbride", "Lachance", "Mbeki", "Nilsen", "Ortega", "Prescott", "Rinaldi",
)

CITIES: tuple[str, ...] = (
    "Port Elwin", "Ashcombe", "Bellhaven", "Corrin Falls", "Dunmore Bay", "East Tarrow",
    "Fairlight", "Glenvale", "Halston", "Kestrel Point", "Lowmoor", "Millbrook", "Northwick",
    "Orrin Vale", "Pellham", "Quarry Cross",
)

STREETS: tuple[str, ...] = (
    "Calloway", "Beacon", "Market", "Tanner", "Orchard", "Weaver", "Chapel", "Foundry", "Mill",
    "Quarry", "Rope Walk", "Salt", "Tower", "Vine", "Wharf", "Abbey", "Bridge", "Cooper",
    "Dyer", "Glover", "Harrow", "Kiln", "Lantern", "Mason",
)

STREET_SUFFIXES: tuple[str, ...] = ("Street", "Road", "Lane", "Avenue", "Row", "Place")

AREA_CODES: tuple[str, ...] = (
    "202", "215", "303", "312", "404", "415", "503", "512", "602", "617", "702", "720", "808",
    "907", "919", "971",
)

EMAIL_LOCALS: tuple[str, ...] = ("hello", "info", "office", "contact", "enquiries", "team", "desk")
OTHER_EMAIL_LOCALS: tuple[str, ...] = ("press", "media", "events", "partners", "careers")

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
