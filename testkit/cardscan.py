"""Business cards and shop signs as a phone photographs them, made at run time, and how well
a reading of them matches what is printed: shared by bench/cardscan.py and tests/test_cardscan.py.

The cards are drawn with fonts scripts/setup.sh installs (Noto Sans/Serif CJK for Chinese,
DejaVu for Latin with Vietnamese marks): business cards in three layouts and shop signs, in
Vietnamese, Simplified Chinese (mainland), Traditional Chinese (Taiwan and Hong Kong) and
English, each with a name, a title, a company or shop, one or two phones (a fax beside them
on some, which must not be taken), an e-mail and an address. Each is then photographed badly:
turned a few degrees (some upside down), blurred, JPEG-compressed, shrunk to a low
resolution, on a desk-coloured background.
"""

from __future__ import annotations

import io
import random
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from domain.cardscan import Line, ScannedCard, read_card

LANGUAGES = ("vi", "zh_Hans", "zh_Hant", "en")
NOTO = Path("/usr/share/fonts/opentype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# Faces inside the Noto CJK collections: 2 = SC, 3 = TC, 4 = HK.
CJK_FACE = {"zh_Hans": 2, "zh_Hant": 3}


def fonts_missing() -> str | None:
    """Why the card images cannot be drawn here, or None."""
    for path in (NOTO / "NotoSansCJK-Regular.ttc", DEJAVU / "DejaVuSans.ttf"):
        if not path.exists():
            return f"{path} is missing (run scripts/setup.sh)"
    return None


@dataclass
class Sample:
    """One image and what a person reads on it."""

    language: str
    kind: str  # card or sign
    region: str  # the RM's market: how numbers without a country code are read
    name: str
    title: str
    company: str
    phones: list[str]  # E.164
    email: str
    address: str
    condition: str = ""
    image: bytes = b""
    lines: list[tuple[str, str]] = field(default_factory=list)  # (text, role) as printed


VI_SURNAMES = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5),
               ("Huỳnh", 5), ("Phan", 4.5), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2),
               ("Đỗ", 1.5), ("Hồ", 1.5), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
               ("Trương", 0.5), ("Đinh", 0.5), ("Lâm", 0.4), ("Mai", 0.3), ("Trịnh", 0.3))
VI_MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Trọng", "Đình")
VI_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Bảo", "Phương",
                    "Diệu", "Thùy")
VI_GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khoa",
                 "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Thắng",
                 "Thành", "Tiến", "Trung", "Tuấn", "Tùng", "Việt", "Vinh")
VI_GIVEN_FEMALE = ("Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                   "Hương", "Lan", "Linh", "Loan", "Mai", "My", "Ngân", "Ngọc", "Nhung",
                   "Oanh", "Phương", "Quỳnh", "Thảo", "Thu", "Thủy", "Trang", "Tuyết", "Vy",
                   "Yến")
VI_COMPANY_WORDS = ("Minh Phát", "Thành Công", "Phú Thịnh", "Hoàng Long", "Việt Tiến",
                    "An Khang", "Tân Phú", "Đại Nam", "Hưng Thịnh", "Kim Ngân", "Bình An",
                    "Đông Á", "Phương Nam", "Vạn Lợi")
ZH_SURNAMES = (("王", 7.3), ("李", 7.2), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1),
               ("黄", 2.3), ("赵", 2.2), ("吴", 2), ("周", 1.9), ("徐", 1.5), ("孙", 1.5),
               ("马", 1.4), ("朱", 1.3), ("胡", 1.3), ("郭", 1.2), ("何", 1.1), ("高", 1),
               ("林", 1), ("罗", 0.9), ("郑", 0.9), ("梁", 0.8), ("谢", 0.7), ("宋", 0.6),
               ("曾", 0.5), ("余", 0.4), ("于", 0.4), ("叶", 0.4), ("欧阳", 0.1), ("司马", 0.03))
ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛",
            "明", "超", "秀英", "霞", "华", "建华", "建国", "志强", "晓明", "海燕", "鹏", "玲",
            "宇", "浩", "婷", "雪", "斌", "欣", "佳", "俊杰", "家豪", "美玲", "志明", "淑芬",
            "雅婷", "宇轩", "思远", "国强", "小龙", "振华", "德明")
ZH_COMPANY_WORDS = ("华强", "鸿运", "金鑫", "永泰", "恒通", "新世纪", "大华", "顺发", "嘉禾",
                    "宏达", "瑞丰", "兴业")


def traditional(text: str) -> str:
    from opencc_purepy import OpenCC

    return str(OpenCC("s2t").convert(text))


# --- what is printed -------------------------------------------------------------------------

VI_TITLES = ("Giám đốc", "Phó Giám đốc", "Trưởng phòng Kinh doanh", "Kế toán trưởng",
             "Chuyên viên Tư vấn", "Quản lý cửa hàng", "Nhân viên Kinh doanh", "Chủ cửa hàng",
             "Tổng Giám đốc", "Trưởng nhóm Bán hàng")
VI_COMPANIES = ("Công ty TNHH {w}", "Công ty Cổ phần {i} {w}", "CÔNG TY TNHH {I} {W}",
                "Công ty TNHH MTV {w}", "Cửa hàng Điện thoại {w}", "Nhà thuốc {w}",
                "Tiệm Vàng {w}", "Hộ kinh doanh {w}")
VI_INDUSTRY = ("Thương mại", "Xây dựng", "Vận tải", "Thực phẩm", "Dệt may", "Điện tử",
               "Dược phẩm", "Nội thất", "Du lịch")
VI_SIGNS = ("Phở {w}", "Cơm Tấm {w}", "Tạp Hóa {w}", "Cà Phê {w}", "Tiệm Vàng {w}",
            "Nhà Thuốc {w}", "Bánh Mì {w}", "Salon Tóc {w}")
VI_STREETS = ("Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Trần Hưng Đạo", "Lý Thường Kiệt",
              "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Trãi", "Phan Đình Phùng")
VI_WARDS = ("Phường Bến Nghé, Quận 1, TP.HCM", "Phường 5, Quận 3, TP.HCM",
            "Phường Tân Định, Quận 1, TP.HCM", "Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội",
            "Phường Dịch Vọng, Quận Cầu Giấy, Hà Nội", "Phường Hải Châu 1, Quận Hải Châu, Đà Nẵng")

ZH_TITLES = ("总经理", "销售总监", "财务经理", "客户经理", "店长", "董事长", "副总经理",
             "市场部经理", "采购主管", "技术总监")
ZH_INDUSTRY = ("电子", "贸易", "建材", "物流", "食品", "服装", "科技", "医药", "家具")
ZH_CITIES = ("深圳市", "广州市", "上海", "北京", "杭州市", "东莞市", "苏州市", "厦门市")
ZH_SIGNS = ("{w}餐厅", "{w}超市", "{w}药房", "{w}茶餐厅", "{w}水果店", "{w}五金店")
ZH_STREETS = ("南山区科技园南路{n}号", "天河区体育西路{n}号", "浦东新区世纪大道{n}号",
              "朝阳区建国路{n}号", "西湖区文三路{n}号", "思明区湖滨南路{n}号")
TW_TITLES = ("業務經理", "總經理", "董事長", "協理", "理財專員", "店長", "執行長", "副總經理",
             "專案經理", "行銷主任")
TW_PLACES = (("台北市", "信義區松仁路{n}號"), ("台北市", "中山區南京東路二段{n}號"),
             ("新北市", "板橋區文化路一段{n}號"), ("台中市", "西屯區台灣大道三段{n}號"),
             ("高雄市", "前鎮區中山二路{n}號"))
HK_PLACES = (("香港", "中環德輔道中{n}號"), ("九龍", "旺角彌敦道{n}號"),
             ("香港", "銅鑼灣軒尼詩道{n}號"), ("新界", "沙田正街{n}號"))

EN_FIRST = ("David", "Sarah", "Michael", "Emily", "James", "Jessica", "Daniel", "Rachel",
            "Kevin", "Amanda", "Brian", "Michelle", "Andrew", "Karen", "Thomas", "Linda",
            "Peter", "Grace", "Steven", "Olivia")
EN_LAST = ("Johnson", "Williams", "Brown", "Taylor", "Anderson", "Thompson", "Walker",
           "Harris", "Mitchell", "Carter", "Turner", "Parker", "Collins", "Edwards", "Stewart",
           "Morgan", "Cooper", "Bennett", "Wood", "Hughes")
EN_TITLES = ("Managing Director", "Sales Manager", "Chief Executive Officer", "Senior Consultant",
             "Finance Director", "Operations Manager", "Founder", "Business Development Manager",
             "Marketing Executive", "Chief Financial Officer")
EN_COMPANIES = ("{w} Trading Co., Ltd.", "{w} Holdings Limited", "{w} Logistics Pte. Ltd.",
                "{w} Consulting Group", "{w} Technologies Inc.")
EN_WORDS = ("Pacific", "Golden Bridge", "Evergreen", "Silverline", "Harbour View", "Orient",
            "Bluewater", "Summit", "Lotus", "Phoenix")
EN_ADDRESSES = ("{n} Orchard Road, #12-03, Singapore 238879",
                "Level {n}, 88 Queensway, Admiralty, Hong Kong",
                "{n} Le Duan Street, District 1, Ho Chi Minh City",
                "Unit {n}, 1 Harbour Road, Wan Chai, Hong Kong")
EN_REGIONS = ("SG", "HK", "VN", "HK")

LATIN_FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf")
LATIN_BOLD = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansCondensed-Bold.ttf")


def _phone(rng: random.Random, region: str, kind: str = "mobile") -> tuple[str, str]:
    """A valid number of the market, as printed and as E.164."""
    patterns = {
        ("VN", "mobile"): lambda: rng.choice(("090", "091", "093", "097", "098", "086", "032",
                                              "070", "083")) + _digits(rng, 7),
        ("VN", "fixed"): lambda: rng.choice(("028", "024")) + rng.choice("3567") + _digits(rng, 7),
        ("CN", "mobile"): lambda: rng.choice(("138", "139", "135", "186", "158", "177"))
        + _digits(rng, 8),
        ("CN", "fixed"): lambda: rng.choice(("010", "021", "020")) + rng.choice("568")
        + _digits(rng, 7),
        ("TW", "mobile"): lambda: "09" + rng.choice("1236789") + _digits(rng, 7),
        ("TW", "fixed"): lambda: "022" + _digits(rng, 7),
        ("HK", "mobile"): lambda: rng.choice("569") + _digits(rng, 7),
        ("HK", "fixed"): lambda: rng.choice("23") + _digits(rng, 7),
        ("SG", "mobile"): lambda: rng.choice("89") + _digits(rng, 7),
        ("SG", "fixed"): lambda: "6" + _digits(rng, 7),
    }
    for _ in range(200):
        digits = patterns[(region, kind)]()
        number = phonenumbers.parse(digits, region)
        if phonenumbers.is_valid_number(number):
            break
    else:  # pragma: no cover - the patterns above are valid numbers
        raise RuntimeError(f"no valid {kind} number for {region}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _print_phone(rng, number, region), e164


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _print_phone(rng: random.Random, number: phonenumbers.PhoneNumber, region: str) -> str:
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    roll = rng.random()
    if region in ("HK", "SG") or roll < 0.2:
        return international if region not in ("HK", "SG") or roll < 0.5 else national
    if roll < 0.4:
        return national.replace(" ", ".")
    if roll < 0.55:
        return national.replace(" ", "-")
    if roll < 0.65:
        return "".join(c for c in national if c.isdigit())
    return national


VI_PHONE_LABELS = ("ĐT: ", "Mobile: ", "Hotline: ", "SĐT: ", "Tel: ", "")
ZH_PHONE_LABELS = {"zh_Hans": ("手机：", "电话：", "Tel: ", "Mob: ", ""),
                   "zh_Hant": ("手機：", "電話：", "Tel: ", "行動：", "")}
EN_PHONE_LABELS = ("Mobile: ", "Tel: ", "M: ", "T: ", "Phone: ")
FAX_LABELS = {"vi": "Fax: ", "zh_Hans": "传真：", "zh_Hant": "傳真：", "en": "Fax: "}
EMAIL_LABELS = {"vi": ("Email: ", "E: ", ""), "zh_Hans": ("邮箱：", "Email: ", ""),
                "zh_Hant": ("電郵：", "Email: ", ""), "en": ("Email: ", "E: ", "")}
ADDRESS_LABELS = {"vi": ("Địa chỉ: ", "Đ/c: ", ""), "zh_Hans": ("地址：", ""),
                  "zh_Hant": ("地址：", ""), "en": ("Address: ", "")}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " .-"))


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


def _sample(rng: random.Random, language: str) -> Sample:
    """What one card or sign says, and what the bot should take from it."""
    sign = rng.random() < 0.2
    n = rng.randint(2, 399)
    if language == "vi":
        region = "VN"
        surname = rng.choices([s for s, _ in VI_SURNAMES], [w for _, w in VI_SURNAMES])[0]
        male = rng.random() < 0.5
        middle = rng.choice(VI_MIDDLE_MALE if male else VI_MIDDLE_FEMALE)
        given = rng.choice(VI_GIVEN_MALE if male else VI_GIVEN_FEMALE)
        name = f"{surname} {middle} {given}"
        word = rng.choice(VI_COMPANY_WORDS)
        industry = rng.choice(VI_INDUSTRY)
        template = rng.choice(VI_SIGNS if sign else VI_COMPANIES)
        company = template.format(w=word, i=industry, W=word.upper(), I=industry.upper())
        if template.isupper() or "{I}" in template:
            company = company.upper()
        title = rng.choice(VI_TITLES)
        address = f"Số {n} {rng.choice(VI_STREETS)}, {rng.choice(VI_WARDS)}"
        local = _ascii(given).lower()
        email = f"{local}.{_ascii(surname).lower()}@{_ascii(word).lower().replace(' ', '')}.vn"
    elif language in ("zh_Hans", "zh_Hant"):
        region = "CN" if language == "zh_Hans" else rng.choice(("TW", "HK"))
        surname = rng.choices([s for s, _ in ZH_SURNAMES], [w for _, w in ZH_SURNAMES])[0]
        name = surname + rng.choice(ZH_GIVEN)
        word = rng.choice(ZH_COMPANY_WORDS)
        if language == "zh_Hans":
            city = rng.choice(ZH_CITIES)
            company = (rng.choice(ZH_SIGNS).format(w=word) if sign
                       else f"{city}{word}{rng.choice(ZH_INDUSTRY)}有限公司")
            title = rng.choice(ZH_TITLES)
            address = city + rng.choice(ZH_STREETS).format(n=n)
        else:
            # OpenCC turns the surnames 余 and 于 into 餘 and 於, which no one is called.
            name = (surname if surname in "余于" else traditional(surname)) \
                + traditional(name[len(surname):])
            city, street = rng.choice(TW_PLACES if region == "TW" else HK_PLACES)
            suffix = "股份有限公司" if region == "TW" else "有限公司"
            company = traditional(rng.choice(ZH_SIGNS).format(w=word) if sign
                                  else f"{word}{rng.choice(ZH_INDUSTRY)}{suffix}")
            if region == "TW" and not sign:
                company = city + company
            title = rng.choice(TW_TITLES)
            address = city + street.format(n=n)
        tld = {"CN": "com.cn", "TW": "com.tw", "HK": "com.hk"}[region]
        email = f"{_pinyin(name[1:])}.{_pinyin(name[:1])}@{_pinyin(word)}.{tld}"
    else:
        pick = rng.randrange(len(EN_REGIONS))
        region = EN_REGIONS[pick]
        name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
        word = rng.choice(EN_WORDS)
        company = rng.choice(EN_COMPANIES).format(w=word)
        title = rng.choice(EN_TITLES)
        address = EN_ADDRESSES[pick].format(n=n)
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@" \
                f"{word.lower().replace(' ', '')}.com"
    phones = [_phone(rng, region, "mobile")]
    if not sign and rng.random() < 0.4:
        phones.append(_phone(rng, region, "fixed"))
    fax = _phone(rng, region, "fixed") if not sign and rng.random() < 0.25 else None
    sample = Sample(language, "sign" if sign else "card", region,
                    "" if sign else name, "" if sign else title, company,
                    [e164 for _, e164 in phones], "" if sign else email, address)
    sample.lines = _layout(rng, sample, [printed for printed, _ in phones],
                           fax[0] if fax else None)
    return sample


def _layout(rng: random.Random, s: Sample, phones: list[str], fax: str | None) -> list[
        tuple[str, str]]:
    """The printed lines, top to bottom, each with its role (which sets its size)."""
    lang = s.language
    labels: tuple[str, ...]
    if lang == "vi":
        labels = VI_PHONE_LABELS
    elif lang == "en":
        labels = EN_PHONE_LABELS
    else:
        labels = ZH_PHONE_LABELS[lang]
    label = rng.choice(labels)
    contact = [(f"{label}{phones[0]}", "small")]
    if len(phones) > 1:
        contact.append((f"{rng.choice(labels) or label}{phones[1]}", "small"))
    if fax:
        contact.append((f"{FAX_LABELS[lang]}{fax}", "small"))
    if s.email:
        contact.append((f"{rng.choice(EMAIL_LABELS[lang])}{s.email}", "small"))
    contact.append((f"{rng.choice(ADDRESS_LABELS[lang])}{s.address}", "small"))
    if s.kind == "sign":
        return [(s.company, "huge"), *contact]
    name = s.name.upper() if lang == "vi" and rng.random() < 0.2 else s.name
    cjk = lang.startswith("zh")
    layout = rng.choice("abc")
    if layout == "a":  # name first, then title and company
        return [(name, "name"), (s.title, "title"), (s.company, "company"), *contact]
    if layout == "b":  # company on top, as most Chinese cards print it
        return [(s.company, "company"), (name, "name"), (s.title, "title"), *contact]
    # name and title on one row
    gap = "  " if cjk else "  |  " if rng.random() < 0.5 else " - "
    return [(s.company, "company"), (f"{name}{gap}{s.title}", "name"), *contact]


# --- drawing and photographing ---------------------------------------------------------------

SIZES = {"huge": 88, "name": 58, "company": 34, "title": 30, "small": 26}
PAPER = ((255, 255, 255), (250, 246, 235), (235, 242, 250), (30, 40, 70), (120, 20, 25))
DESK = ((120, 90, 60), (70, 70, 75), (190, 180, 165), (40, 45, 50))


def _font(s: Sample, role: str, rng: random.Random) -> ImageFont.FreeTypeFont:
    size = SIZES[role] + rng.randint(-3, 3)
    bold = role in ("name", "huge", "company")
    if s.language.startswith("zh"):
        face = 4 if s.region == "HK" else CJK_FACE[s.language]
        family = rng.choice(("Sans", "Serif"))
        path = NOTO / f"Noto{family}CJK-{'Bold' if bold else 'Regular'}.ttc"
        return ImageFont.truetype(str(path), size, index=face)
    return ImageFont.truetype(str(DEJAVU / rng.choice(LATIN_BOLD if bold else LATIN_FONTS)), size)


def draw(s: Sample, rng: random.Random) -> Image.Image:
    """The card or sign, flat, at print resolution (a 90 x 54 mm card at about 300 dpi)."""
    paper = rng.choice(PAPER[:3] if s.kind == "card" else PAPER)
    ink = (245, 245, 240) if sum(paper) < 400 else (20, 25, 45)
    fonts = [(text, _font(s, role, rng)) for text, role in s.lines]
    width = max(1050, max(int(f.getlength(t)) for t, f in fonts) + 140)
    height = max(600, int(sum(f.size + 22 for _, f in fonts)) + 100)
    image = Image.new("RGB", (width, height), paper)
    pen = ImageDraw.Draw(image)
    align = rng.choice(("left", "left", "center")) if s.kind == "card" else "center"
    y = (height - int(sum(f.size + 22 for _, f in fonts))) // 2
    for text, font in fonts:
        w = font.getlength(text)
        x = 70 if align == "left" else (width - w) / 2
        pen.text((x, y), text, font=font, fill=ink)
        y += int(font.size) + 22
    return image


CONDITIONS = ("clean", "photo", "tilted", "blurred", "lowres", "upside-down")


def photograph(card: Image.Image, condition: str, rng: random.Random) -> bytes:
    """The card as a phone photo of it would be: on a desk, turned, blurred, shrunk, JPEG."""
    angle = {"clean": 0.0, "photo": rng.uniform(-4, 4), "tilted": rng.uniform(-12, 12),
             "blurred": rng.uniform(-3, 3), "lowres": rng.uniform(-3, 3),
             "upside-down": 180 + rng.uniform(-3, 3)}[condition]
    desk = rng.choice(DESK)
    image = card.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=desk)
    margin = int(max(image.size) * 0.08)
    photo = Image.new("RGB", (image.width + 2 * margin, image.height + 2 * margin), desk)
    photo.paste(image, (margin, margin))
    long_side = {"clean": 1280, "photo": 1280, "tilted": 1280, "blurred": 1000,
                 "lowres": rng.choice((640, 720)), "upside-down": 1280}[condition]
    scale = long_side / max(photo.size)
    photo = photo.resize((round(photo.width * scale), round(photo.height * scale)),
                         Image.Resampling.LANCZOS)
    if condition == "blurred":
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.6)))
    elif condition != "clean":
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    quality = {"clean": 92, "lowres": rng.randint(45, 60)}.get(condition, rng.randint(55, 80))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=quality)
    return out.getvalue()


def make_samples(per_language: int, seed: int = 17, languages: Iterable[str] = LANGUAGES,
                 conditions: tuple[str, ...] = CONDITIONS) -> list[Sample]:
    """``per_language`` images for each language, conditions in turn (deterministic)."""
    samples = []
    for language in languages:
        rng = random.Random(f"{seed}-{language}")
        for i in range(per_language):
            sample = _sample(rng, language)
            sample.condition = conditions[i % len(conditions)]
            sample.image = photograph(draw(sample, rng), sample.condition, rng)
            samples.append(sample)
    return samples


# --- scoring ---------------------------------------------------------------------------------

def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


@dataclass
class Score:
    images: int = 0
    names: int = 0
    names_right: int = 0
    phones: int = 0
    phones_right: int = 0
    phones_wrong: int = 0  # numbers taken that are not on the card (a fax, a misread)
    companies: int = 0
    companies_right: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, sample: Sample, card: ScannedCard, seconds: float, cpu: float) -> None:
        self.images += 1
        self.seconds.append(seconds)
        self.cpu_seconds.append(cpu)
        problems = []
        if sample.name:
            self.names += 1
            if card.name == sample.name:
                self.names_right += 1
            else:
                problems.append(f"name {card.name!r} != {sample.name!r}")
        found = [phone.e164 for phone in card.phones]
        self.phones += len(sample.phones)
        right = [p for p in sample.phones if p in found]
        self.phones_right += len(right)
        wrong = [p for p in found if p not in sample.phones]
        self.phones_wrong += len(wrong)
        if len(right) < len(sample.phones) or wrong:
            problems.append(f"phones {found} != {sample.phones}")
        self.companies += 1
        if _same(card.company, sample.company):
            self.companies_right += 1
        else:
            problems.append(f"company {card.company!r} != {sample.company!r}")
        if problems:
            self.misses.append(f"{sample.language} {sample.kind} {sample.condition}: "
                               + "; ".join(problems))

    def share(self, right: int, total: int) -> float:
        return right / total if total else 1.0

    @property
    def name_rate(self) -> float:
        return self.share(self.names_right, self.names)

    @property
    def phone_rate(self) -> float:
        # A number taken that is not on the card counts against, as a missed one does.
        return self.share(self.phones_right, self.phones + self.phones_wrong)

    @property
    def company_rate(self) -> float:
        return self.share(self.companies_right, self.companies)


Reader = Callable[[bytes], list[Line]]


def evaluate(samples: list[Sample], read: Reader,
             cpu: Callable[[], float] = time.process_time) -> dict[str, Score]:
    """Read every sample; scores per language. ``cpu`` counts the reading process's CPU
    seconds (all its threads)."""
    scores: dict[str, Score] = {}
    for sample in samples:
        started, cpu_started = time.perf_counter(), cpu()
        lines = read(sample.image)
        card = read_card(lines, sample.region)
        seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
        scores.setdefault(sample.language, Score()).add(sample, card, seconds, cpu_seconds)
    return scores


def in_process_reader() -> Reader:
    """The worker's engine (core/ocr_worker.py), loaded in this process."""
    from core.ocr import tessdata_dir
    from core.ocr_worker import Engine

    engine = Engine(tessdata_dir() or "")
    return lambda data: [Line.from_json(item) for item in engine.read(data)]
