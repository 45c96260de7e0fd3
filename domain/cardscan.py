"""Business cards and shop signs: the fields of a prospect from the text lines read off a photo.

Rules, not a model: each line read by the OCR (core/ocr_worker.py) is looked at for what only
one field looks like — an e-mail address, a website, phone numbers (valid ones only, a fax
left out), an address (a label, or street and district words with a house number) — and the
rest is scored as a name, a title or a company (the words each uses in Vietnamese, Chinese and
English, how large it is printed). Nothing is guessed silently: the bot shows every field on a
draft the RM corrects before saving.

Phones are read with the region of the RM's market first, then with the region the card
names (a city, a country, a ``.tw`` address), then with the other markets', so ``0912 345
678`` is a Vietnamese mobile for an RM in Vietnam, and a Taiwanese one on a card from Taipei.

>>> card = read_card([Line("Nguyễn Văn An", height=50), Line("Giám đốc"),
...                   Line("Công ty TNHH Minh Phát"), Line("ĐT: 0903 456 789")], "VN")
>>> card.name, card.title, card.company, card.phones[0].e164
('Nguyễn Văn An', 'Giám đốc', 'Công ty TNHH Minh Phát', '+84903456789')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from phonenumbers import Leniency, PhoneNumberMatcher

from domain.phones import Phone, _to_phone

__all__ = ["Line", "ScannedCard", "read_card"]

# The markets Rapport serves, tried after the RM's own for numbers without a country code.
MARKET_REGIONS = ("VN", "CN", "HK", "TW", "SG", "MY", "MO")


@dataclass(frozen=True)
class Line:
    """One line of text as read, with where it is on the card (in pixels)."""

    text: str
    alt: str = ""  # another engine's reading of the same line, if any
    height: float = 0.0  # of the line's box: the size it is printed at
    x: float = 0.0  # centre, along the text's own direction
    y: float = 0.0  # centre, down the card
    score: float = 1.0

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Line:
        """A line as the OCR worker reports it."""
        return cls(text=str(item.get("text", "")), alt=str(item.get("alt", "")),
                   height=float(item.get("height", 0.0)), x=float(item.get("x", 0.0)),
                   y=float(item.get("y", 0.0)), score=float(item.get("score", 1.0)))


@dataclass(frozen=True)
class ScannedCard:
    """The fields read off a card or a sign; any may be empty."""

    name: str = ""
    title: str = ""
    company: str = ""
    phones: tuple[Phone, ...] = ()
    email: str = ""
    address: str = ""
    website: str = ""
    language: str | None = None  # vi, zh_Hans, zh_Hant, en: the customer's, likely
    other: tuple[str, ...] = field(default=())  # lines that fit no field

    @property
    def empty(self) -> bool:
        return not (self.name or self.company or self.phones or self.email)


# --- vocabulary ------------------------------------------------------------------------------
# Matched on folded text (lowercase, no Vietnamese marks, Simplified Chinese), as whole words
# for Latin and anywhere for Chinese.

_VI_SURNAMES = frozenset(
    ["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "doan", "lam", "mai", "trinh", "truong", "dao", "cao",
    "luong", "to", "ta", "ha", "chau", "quach", "tang", "luu", "thai", "la", "kieu", "vuong",
    "phung", "trieu", "diep", "lai", "chu", "tu", "nghiem", "khong", "au", "giang", "thach", "kim",
    "van", "ton", "ninh", "quan", "tong"])
_ZH_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由")
_ZH_COMPOUND = frozenset([
    "欧阳", "上官", "司马", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "令狐", "夏侯", "端木", "张简", "范姜"])
_HONORIFICS = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|ông|bà|anh|chị|cô|chú|bác)\.?\s+", re.IGNORECASE)

_TITLE_WORDS_LATIN = (
    "giam doc", "tong giam doc", "pho giam doc", "gd", "pgd", "truong phong", "pho phong",
    "truong nhom", "truong ban", "chu tich", "pho chu tich", "ke toan", "nhan vien",
    "chuyen vien", "quan ly", "chu cua hang", "chu shop", "chu tiem", "chu quan", "ky su",
    "kien truc su", "bac si", "luat su", "duoc si", "tu van", "dai dien", "cua hang truong",
    "dieu hanh", "sang lap", "thu ky", "tro ly", "giam sat", "truong",
    "ceo", "cfo", "coo", "cto", "director", "manager", "managing", "sales", "engineer",
    "founder", "co-founder", "owner", "accountant", "president", "vice president", "vp",
    "officer", "head of", "executive", "consultant", "specialist", "assistant", "partner",
    "chairman", "supervisor", "representative", "designer", "architect", "lawyer", "advisor",
    "associate", "coordinator", "analyst", "secretary", "marketing", "principal", "agent")
_TITLE_WORDS_CJK = (
    "副总经理", "副经理", "副总裁", "副董事长", "副总", "总经理", "经理", "董事长", "董事",
    "总监", "主任", "主管", "店长", "老板", "负责人", "会计", "工程师", "设计师", "顾问",
    "总裁", "创始人", "创办人", "合伙人", "律师", "医生", "医师", "专员", "代表", "助理",
    "秘书", "采购", "行政", "店主", "执行长", "特助", "协理", "襄理", "副理", "理事", "校长",
    "教授", "主席", "厂长", "理专", "业务", "销售", "会长", "处长", "科长", "部长", "组长")
# What comes before a title word in Chinese: 销售总监, 市场部经理, 高级客户经理.
_TITLE_PREFIXES_CJK = (
    "销售", "行销", "营销", "业务", "市场部", "市场", "财务", "客户", "采购", "技术", "人事",
    "行政", "研发", "理财", "项目", "专案", "运营", "品牌", "产品", "区域", "大区", "高级", "资深",
    "首席", "执行", "部门", "门市", "分行", "支行", "事业部", "董事", "常务", "副")
_COMPANY_WORDS_LATIN = (
    "cong ty", "cty", "tnhh", "co phan", "jsc", "tap doan", "ngan hang", "cua hang", "tiem",
    "nha hang", "sieu thi", "dai ly", "ho kinh doanh", "hkd", "xuong", "nha thuoc",
    "phong kham", "khach san", "spa", "salon", "shop", "tham my vien", "trung tam", "dntn",
    "doanh nghiep", "hop tac xa", "chi nhanh", "showroom", "garage", "gara", "tap hoa",
    "ca phe", "cafe", "coffee", "com tam", "banh mi", "mtv", "tiem vang", "hieu vang",
    "co.", "company", "ltd", "ltd.", "limited", "llc", "inc", "inc.", "corp", "corporation",
    "group", "bank", "holdings", "trading", "store", "restaurant", "studio", "clinic",
    "pharmacy", "hotel", "agency", "enterprise", "enterprises", "industries", "technologies",
    "technology", "solutions", "consulting", "logistics", "pte", "gmbh", "bakery")
_COMPANY_WORDS_CJK = (
    "公司", "有限", "集团", "银行", "商行", "商店", "餐厅", "酒家", "茶餐厅", "饭店", "酒店",
    "超市", "工作室", "事务所", "工厂", "商贸", "贸易", "科技", "实业", "企业", "分行", "支行",
    "门市", "药房", "药店", "诊所", "医院", "五金", "水果店", "店", "馆", "坊", "行号")
# Folding makes these one word; with their marks they are a shop (quán, phở) or a place
# (quận, phố). Matched on the lowercased text as printed.
_COMPANY_WORDS_MARKED = ("quán", "phở")
_ADDRESS_WORDS_MARKED = ("quận", "phố", "q.", "p.")
_ADDRESS_LABELS = re.compile(
    r"^(?:địa\s*chỉ|dia\s*chi|đ/c|d/c|đc|add(?:ress)?|addr|地址|住址|地點|地点)\s*[:：.]?\s*",
    re.IGNORECASE)
_ADDRESS_WORDS_LATIN = (
    "so", "duong", "phuong", "huyen", "thi xa", "thanh pho", "tp", "tp.hcm",
    "tinh", "xa", "ap", "thon", "khu pho", "kp", "lau", "tang", "toa", "ngo", "ngach", "hem",
    "kiet", "lo", "kcn", "khu cong nghiep", "ha noi", "ho chi minh", "hcm", "da nang",
    "can tho", "hai phong", "viet nam", "vietnam", "street", "st", "st.", "road",
    "rd", "rd.", "avenue", "ave", "lane", "boulevard", "blvd", "district", "ward", "floor",
    "fl", "building", "bldg", "tower", "suite", "unit", "room", "city", "province", "china",
    "taiwan", "hong kong", "singapore", "kowloon", "level", "block", "queensway", "#")
_ADDRESS_WORDS_CJK = ("省", "市", "区", "县", "镇", "路", "街", "道", "巷", "弄", "号", "楼",
                      "室", "大厦", "广场", "村", "段", "座", "香港", "九龙", "新界", "台北",
                      "新北", "台中", "高雄", "中国", "台湾")
# A label that says the number after it is not a phone to call.
# 傅真: how OCR often reads 傳真.
_FAX_RE = re.compile(r"(?:fax|\bf\s*[:：]|传真|傳真|傅真)\s*[:：.]?\s*$", re.IGNORECASE)
_PHONE_LABEL_RE = re.compile(
    r"(?:(?:s[đd]t|[đd]t(?:d[đd])?|đi[eệ]n\s*tho[aạ]i|dien\s*thoai|tel|phone|mobile|mob|hotline|"
    r"zalo|hp|cell|whatsapp|line|wechat|[mtp])\b\.?|电话|電話|手机|手機|行动|行動|联系电话|"
    r"聯絡電話)\s*[:：.]?\s*", re.IGNORECASE)
_EMAIL_LABEL_RE = re.compile(r"(?:e-?mail|邮箱|郵箱|電郵|电邮|\be)\s*[:：]\s*", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}",
                       re.IGNORECASE)
_WEB_RE = re.compile(
    r"(?:https?://|www\.)[^\s,，;]+|\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|net|org|vn|cn|tw|hk|"
    r"sg|io|biz|info)(?:\.[a-z]{2})?(?:/[^\s]*)?\b", re.IGNORECASE)
# Places a card names, and the phone region they point to.
_PLACE_REGIONS = (
    (re.compile(r"việt\s*nam|viet\s*nam|tp\.?\s*hcm|hà\s*nội|ha\s*noi|đà\s*nẵng|\.vn\b",
                re.IGNORECASE), "VN"),
    (re.compile(r"台北|臺北|新北|台中|臺中|高雄|台灣|臺灣|taiwan|taipei|\.tw\b", re.IGNORECASE),
     "TW"),
    (re.compile(r"香港|九龍|九龙|新界|hong\s*kong|kowloon|\.hk\b", re.IGNORECASE), "HK"),
    (re.compile(r"singapore|新加坡|\.sg\b", re.IGNORECASE), "SG"),
    (re.compile(r"中国|中國|北京|上海|深圳|广州|廣州|杭州|\.cn\b|china", re.IGNORECASE), "CN"),
)
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A name printed letter-spaced: "王  建  国".
_SPACED_CJK_RE = re.compile(r"^[\u3400-\u9fff](?:\s+[\u3400-\u9fff]){1,3}$")
_SEPARATORS_RE = re.compile(r"\s*(?:\||｜|/|·|•|–|—|\s-\s|,|，)\s*|\s{2,}")
_EDGES = " \t:：;；,，.-–—|｜·•"
_COMPANY_EDGES = " \t:：;；,，-–—|｜·•"  # "Co., Ltd." keeps its full stop
_VI_MARKS_RE = re.compile(
    r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.IGNORECASE)


@cache
def _opencc(config: str) -> Any:
    from opencc_purepy import OpenCC

    return OpenCC(config)


def _simplified(text: str) -> str:
    return str(_opencc("t2s").convert(text)) if _CJK_RE.search(text) else text


def _fold(text: str) -> str:
    """Lowercase, no Vietnamese marks, đ -> d, Simplified Chinese: for matching words."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _simplified(unicodedata.normalize("NFC", text)).lower()


def _has_word(folded: str, words: Iterable[str]) -> int:
    """How many of the words (Latin, matched whole) occur in folded text."""
    count = 0
    for word in words:
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", folded):
            count += 1
    return count


def _has_cjk(folded: str, words: Iterable[str]) -> int:
    return sum(1 for word in words if word in folded)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("：", ":").replace("\u3000", " ")
    text = " ".join(text.split())
    return text.replace(" ", "") if _SPACED_CJK_RE.match(text) else text


# --- phones, e-mail, web ---------------------------------------------------------------------

def card_regions(lines: Iterable[Line], region: str) -> list[str]:
    """Regions to read numbers with: the RM's, the one the card names, then the others."""
    found: list[str] = [region.upper()] if region else []
    text = " ".join(line.text for line in lines)
    for pattern, place in _PLACE_REGIONS:
        if pattern.search(text) and place not in found:
            found.append(place)
    for market in MARKET_REGIONS:
        if market not in found:
            found.append(market)
    return found


def _phones_in(text: str, regions: list[str]) -> tuple[list[tuple[int, int, Phone]], bool]:
    """Valid numbers in a line, with their spans; whether any sits behind a fax label."""
    # Letters OCR reads for digits in a run of digits: O -> 0, l/I/| -> 1.
    work = re.sub(r"(?<=\d)[oO](?=[\d\s.\-])|(?<=[\d\s])[oO](?=\d)", "0", text)
    work = re.sub(r"(?<=\d)[lI|](?=\d)", "1", work)
    # Labels glued to digits ("ĐT:0903…", "M:0903…") keep libphonenumber from matching.
    work = re.sub(r"(?<=[^\d\s+(])(?=[+(]?\d)", " ", work)
    fax = False
    results: list[tuple[int, int, Phone]] = []
    # Earlier regions win: a number valid in the RM's market is read as theirs, and a later
    # region only adds numbers no earlier one could read.
    for region in regions:
        for match in PhoneNumberMatcher(work, region, Leniency.VALID):
            if any(start < match.end and match.start < end for start, end, _ in results):
                continue
            if _FAX_RE.search(work[:match.start]) and not _PHONE_LABEL_RE.search(
                    _after_fax(work[:match.start])):
                fax = True
                results.append((match.start, match.end, _FAX))
                continue
            results.append((match.start, match.end, _to_phone(match.number)))
    results.sort()
    return [r for r in results if r[2] is not _FAX], fax


_FAX = Phone(e164="", national="")


def _after_fax(before: str) -> str:
    """The text between the last fax label and the number."""
    labels = list(re.finditer(r"fax|传真|傳真|傅真|\bf\s*:", before, re.IGNORECASE))
    return before[labels[-1].end():] if labels else before


def _email_in(text: str) -> tuple[str, str]:
    """The e-mail address in a line (OCR spaces around '@' and '.' closed), and the rest."""
    match = _EMAIL_RE.search(re.sub(r"\s*([@.])\s*", r"\1", text))
    if not match:
        return "", text
    rest = _EMAIL_LABEL_RE.sub(" ", re.sub(r"\S*\s*@\s*\S*", " ", text))
    return match.group().lower().rstrip("."), rest


# --- the line classifier ---------------------------------------------------------------------

@dataclass
class _Piece:
    text: str
    height: float
    order: int
    cjk: bool
    company: int  # how many company or shop words it has
    title: int  # how many job-title words


def _pieces(lines: list[Line], regions: list[str]) -> tuple[list[_Piece], dict[str, Any]]:
    """Take e-mail, web, phones and addresses out of the lines; what is left, as pieces."""
    found: dict[str, Any] = {"phones": [], "email": "", "website": "", "address": []}
    rest: list[_Piece] = []
    address_at = -10
    for order, line in enumerate(lines):
        text = _clean(line.text)
        alt = _clean(line.alt) if line.alt else ""
        email, text = _email_in(text)
        if not email and alt and "@" in alt:
            email, _ = _email_in(alt)
            text = _email_in(text.replace("©", "@"))[1] if email else text
        if email:
            found["email"] = found["email"] or email
            text = text.strip(_EDGES)
        web = _WEB_RE.search(text)
        if web and "@" not in web.group():
            found["website"] = found["website"] or web.group().rstrip(".")
            text = (text[:web.start()] + text[web.end():]).strip(_EDGES)
            text = re.sub(r"^(?:web(?:site)?|網站|网站|网址|網址)\s*[:：]?\s*", "", text,
                          flags=re.IGNORECASE)
        phones, _fax = _phones_in(text, regions)
        if not phones and alt and sum(c.isdigit() for c in alt) >= 7:
            phones, _fax = _phones_in(alt, regions)
            if phones:
                text = _strip_numbers(text)
                phones = [(0, 0, phone) for _, _, phone in phones]
        if phones or _fax:
            for _, _, phone in phones:
                if phone not in found["phones"]:
                    found["phones"].append(phone)
            for start, end, _ in reversed(phones):
                if end:
                    text = text[:start] + " " + text[end:]
            text = _strip_numbers(text) if _fax else text
            text = _PHONE_LABEL_RE.sub(" ", text)
            text = re.sub(r"(?:fax|传真|傳真|傅真)\s*:?", " ", text, flags=re.IGNORECASE)
            text = " ".join(text.split()).strip(_EDGES)
            if not re.search(r"[^\W\d_]{2,}|[\u3400-\u9fff]", text):
                continue
        folded, lower = _fold(text), text.lower()
        if not re.search(r"[^\W\d_]{2,}", text):  # no word in it: a logo, a rule, noise
            continue
        label = _ADDRESS_LABELS.match(text)
        company = _company_score(folded, lower)
        if label or (_address_score(folded, lower) >= 2 and company == 0) or (
                order == address_at + 1 and _address_score(folded, lower) >= 1
                and company == 0 and _title_score(folded) == 0):
            found["address"].append(text[label.end():] if label else text)
            address_at = order
            continue
        rest.append(_Piece(text.strip(_COMPANY_EDGES), line.height, order,
                           bool(_CJK_RE.search(text)), company, _title_score(folded)))
    return rest, found


def _strip_numbers(text: str) -> str:
    return re.sub(r"[+(]?\d[\d\s().\-]{5,}\d", " ", text)


def _address_score(folded: str, lower: str) -> int:
    latin = _has_word(folded, _ADDRESS_WORDS_LATIN) + _has_word(lower, _ADDRESS_WORDS_MARKED)
    cjk = _has_cjk(folded, _ADDRESS_WORDS_CJK)
    digits = bool(re.search(r"\d", folded))
    return latin + cjk + (1 if digits and (latin or cjk) else 0)


def _company_score(folded: str, lower: str = "") -> int:
    # The last few Chinese words (店, 馆, 坊, 行号) are short and weigh less.
    strong, weak = _COMPANY_WORDS_CJK[:-4], _COMPANY_WORDS_CJK[-4:]
    return (_has_word(folded, _COMPANY_WORDS_LATIN) + _has_word(lower, _COMPANY_WORDS_MARKED)
            + 2 * _has_cjk(folded, strong) + _has_cjk(folded, weak))


def _title_score(folded: str) -> int:
    return _has_word(folded, _TITLE_WORDS_LATIN) + _has_cjk(folded, _TITLE_WORDS_CJK)


def _name_score(text: str) -> float:
    """How much a piece of text looks like a person's name (0: not at all)."""
    text = _HONORIFICS.sub("", text).strip(_EDGES)
    if not text or re.search(r"\d|@", text):
        return 0.0
    if _CJK_RE.search(text):
        chars = text.replace(" ", "")
        if not 2 <= len(chars) <= 4 or not all(_CJK_RE.match(c) for c in chars):
            return 0.0
        simple = _simplified(chars)
        if simple[:2] in _ZH_COMPOUND and len(chars) >= 3:
            return 3.0
        return 3.0 if simple[0] in _ZH_SURNAMES else 1.0
    words = text.split()
    if not 2 <= len(words) <= 5:
        return 0.0
    if not all(re.fullmatch(r"[^\W\d_][^\W\d_'\-.]*\.?", w) for w in words):
        return 0.0
    if not all(w[0].isupper() for w in words):
        return 0.0
    if _fold(words[0]) in _VI_SURNAMES:
        return 3.0
    return 1.5


def _cjk_title(text: str) -> bool:
    """Whether Chinese text is all job title: prefixes (销售, 市场部, 高级) then a title word."""
    rest = _simplified(text)
    while rest not in _TITLE_WORDS_CJK:
        prefix = next((p for p in _TITLE_PREFIXES_CJK if rest.startswith(p) and rest != p), "")
        if not prefix:
            return False
        rest = rest[len(prefix):]
    return True


def _split_title(piece: _Piece) -> tuple[str, str]:
    """'Nguyễn Văn An - Giám đốc', '王建国 总经理', '陈浩行销主任' -> (name, title);
    ('', '') when the line is not a name and a title."""
    parts = [p for p in _SEPARATORS_RE.split(piece.text) if p.strip(_EDGES)]
    if len(parts) < 2 and piece.cjk:
        parts = piece.text.split()
    if len(parts) < 2 and piece.cjk:
        text = piece.text
        for cut in (2, 3, 4):  # surname and given name, then the title, no space
            if len(text) > cut and _name_score(text[:cut]) >= 3 and _cjk_title(text[cut:]):
                return text[:cut], text[cut:]
        return "", ""
    for i in range(1, len(parts)):
        head, tail = " ".join(parts[:i]), " ".join(parts[i:])
        if _name_score(head) >= 1.5 and (_title_score(_fold(tail)) or _cjk_title(tail)):
            return head, tail
        if _name_score(tail) >= 1.5 and (_title_score(_fold(head)) or _cjk_title(head)):
            return tail, head
    if piece.cjk or len(parts) > 1:
        return "", ""
    # No separator left ("Kevin Stewart Managing Director"): the title starts at a title word.
    words = piece.text.split()
    splits = []
    for i in range(2, len(words)):
        head, tail = " ".join(words[:i]), _fold(" ".join(words[i:]))
        if _name_score(head) >= 1.5 and any(tail == w or tail.startswith(w + " ")
                                            for w in _TITLE_WORDS_LATIN):
            splits.append((_title_score(tail), i))
    if not splits:
        return "", ""
    i = max(splits)[1]
    return " ".join(words[:i]), " ".join(words[i:])


def _tidy_name(name: str) -> str:
    name = _HONORIFICS.sub("", name).strip(_EDGES)
    if _CJK_RE.search(name):
        return name.replace(" ", "")
    if name.isupper():  # NGUYỄN VĂN AN, as printed on many cards
        return " ".join(w.capitalize() for w in name.split())
    return name


def read_card(lines: list[Line], region: str) -> ScannedCard:
    """The prospect's fields from the lines of a card or sign, in reading order."""
    pieces, found = _pieces(lines, card_regions(lines, region))
    sizes = sorted({p.height for p in pieces}, reverse=True)

    def size_bonus(piece: _Piece) -> float:
        # Names are printed large; on a sign, the shop's name is the largest.
        rank = sizes.index(piece.height) if piece.height > 0 else 9
        return 1.5 if rank == 0 else 0.75 if rank == 1 else 0.0

    name, title, best = "", "", 2.0  # below 2, no line looks enough like a name
    used: set[int] = set()
    for piece in pieces:
        head, tail = _split_title(piece)  # a name and a title on one row
        if head and _name_score(head) + size_bonus(piece) >= best:
            best, name, title, used = _name_score(head) + size_bonus(piece), head, tail, {
                piece.order}
    for piece in pieces:
        if piece.company or piece.title:
            continue
        score = _name_score(piece.text)
        if score and score + size_bonus(piece) > best:
            best, name, title, used = score + size_bonus(piece), piece.text, "", {piece.order}
    if not title:
        titles = [p for p in pieces if p.order not in used and p.title >= p.company
                  and p.title and len(p.text) <= 48]
        if titles:
            title = titles[0].text
            used.add(titles[0].order)
    company = ""
    companies = [p for p in pieces if p.order not in used and p.company > p.title]
    pick: _Piece | None
    if companies:
        pick = max(companies, key=lambda p: (p.company, p.height))
    else:  # a shop sign: its biggest words are the shop's name
        left = [p for p in pieces if p.order not in used and len(p.text) >= 2]
        pick = max(left, key=lambda p: p.height) if left and not name else None
    if pick is not None:
        company = pick.text
        used.add(pick.order)
    return ScannedCard(
        name=_tidy_name(name), title=title.strip(_EDGES), company=company.strip(_COMPANY_EDGES),
        phones=tuple(found["phones"]), email=found["email"],
        address=", ".join(a.strip(_EDGES) for a in found["address"]),
        website=found["website"], language=_language(lines),
        other=tuple(p.text for p in pieces if p.order not in used))


def _language(lines: Iterable[Line]) -> str | None:
    text = " ".join(line.text for line in lines)
    cjk = "".join(_CJK_RE.findall(text))
    if len(cjk) >= 4:
        simplified = _opencc("t2s").convert(cjk)
        traditional = _opencc("s2t").convert(cjk)
        if simplified != cjk and traditional == cjk:
            return "zh_Hant"
        if traditional != cjk and simplified == cjk:
            return "zh_Hans"
        changed_t = sum(a != b for a, b in zip(cjk, simplified, strict=True))
        changed_s = sum(a != b for a, b in zip(cjk, traditional, strict=True))
        return "zh_Hant" if changed_t > changed_s else "zh_Hans"
    if len(_VI_MARKS_RE.findall(text)) >= 2:
        return "vi"
    if re.search(r"[a-z]{3,}", text, re.IGNORECASE):
        return "en"
    return None
