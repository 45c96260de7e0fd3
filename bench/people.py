"""Names, phones, companies and note texts as RMs in Vietnam, mainland China, Taiwan and Hong
Kong would type them: the raw material of the benchmark data set (``bench/dataset.py``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Market:
    region: str
    timezone: str
    language: str  # the RM's language, and most of their customers'
    script: str  # how their customers' names are written: vi, hans, hant

    @property
    def chinese(self) -> bool:
        return self.script != "vi"


VN = Market("VN", "Asia/Ho_Chi_Minh", "vi", "vi")
CN = Market("CN", "Asia/Shanghai", "zh_Hans", "hans")
TW = Market("TW", "Asia/Taipei", "zh_Hant", "hant")
HK = Market("HK", "Asia/Hong_Kong", "zh_Hant", "hant")
# The RMs' markets and how many of them work in each.
MARKETS: tuple[tuple[Market, float], ...] = ((VN, 0.60), (CN, 0.25), (TW, 0.08), (HK, 0.07))

# Surnames with their rough share of the population.
VI_SURNAMES = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5),
               ("Huỳnh", 5), ("Phan", 4.5), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2),
               ("Đỗ", 1.5), ("Hồ", 1.5), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
               ("Trương", 0.5), ("Đinh", 0.5), ("Lâm", 0.4), ("Mai", 0.3), ("Tô", 0.3),
               ("Tạ", 0.2), ("Cao", 0.3), ("Lương", 0.3), ("Trịnh", 0.3), ("Châu", 0.2))
VI_MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Hoàng",
                  "Anh", "Gia", "Tuấn", "Trọng", "Đình", "Ngọc")
VI_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Bảo", "Phương",
                    "Diệu", "Khánh", "Minh", "Thùy", "Hoài")
VI_GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
                 "Khang", "Khoa", "Kiên", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
                 "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn",
                 "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Bảo", "Duy", "Khải", "Lâm")
VI_GIVEN_FEMALE = ("Anh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng",
                   "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai",
                   "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh",
                   "Tâm", "Thảo", "Thơ", "Thu", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên",
                   "Vân", "Vy", "Yến")
# Prospects met in the street are often filed as "Chị Lan quán phở".
VI_TITLES = ("Anh", "Chị", "Cô", "Chú", "Bác")
VI_PLACES = ("chợ Bến Thành", "tiệm vàng", "quán phở", "shop quần áo", "tạp hóa", "nhà thuốc",
             "quán cà phê", "chợ Lớn", "tiệm tóc", "sạp vải", "cửa hàng điện thoại",
             "quận 5", "Thủ Đức", "Gò Vấp", "Bình Thạnh", "Cầu Giấy", "Hoàn Kiếm")

ZH_SURNAMES = (("王", 7.3), ("李", 7.2), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1),
               ("黄", 2.3), ("赵", 2.2), ("吴", 2), ("周", 1.9), ("徐", 1.5), ("孙", 1.5),
               ("马", 1.4), ("朱", 1.3), ("胡", 1.3), ("郭", 1.2), ("何", 1.1), ("高", 1),
               ("林", 1), ("罗", 0.9), ("郑", 0.9), ("梁", 0.8), ("谢", 0.7), ("宋", 0.6),
               ("唐", 0.6), ("许", 0.6), ("韩", 0.5), ("冯", 0.5), ("邓", 0.5), ("曹", 0.5),
               ("彭", 0.5), ("曾", 0.5), ("肖", 0.5), ("田", 0.4), ("董", 0.4), ("袁", 0.4),
               ("潘", 0.4), ("于", 0.4), ("蒋", 0.4), ("蔡", 0.4), ("余", 0.4), ("杜", 0.4),
               ("叶", 0.4), ("程", 0.4), ("苏", 0.3), ("魏", 0.3), ("吕", 0.3), ("丁", 0.3),
               ("任", 0.3), ("沈", 0.3), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.3),
               ("钟", 0.3), ("谭", 0.3), ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3),
               ("石", 0.3), ("廖", 0.3), ("贾", 0.2), ("夏", 0.2), ("方", 0.2), ("单", 0.1),
               ("区", 0.1), ("仇", 0.05), ("欧阳", 0.1), ("上官", 0.03), ("诸葛", 0.02),
               ("司马", 0.03))
ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
            "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "华", "建华", "建国", "志强",
            "晓明", "海燕", "丹", "萍", "鹏", "玲", "红", "宇", "浩", "婷", "雪", "琳", "辉",
            "斌", "博", "文", "欣", "怡", "佳", "子轩", "梓涵", "一诺", "嘉怡", "俊杰", "家豪",
            "美玲", "志明", "淑芬", "雅婷", "宇轩", "思远", "晨", "阳", "佳琪", "文华", "国强",
            "丽娟", "小龙", "大文", "晓东", "春梅", "秋菊", "振华", "德明")
# Hong Kong files often carry the English name customers go by.
HK_ENGLISH = ("David", "Michael", "Peter", "Kelvin", "Raymond", "Eric", "Wing", "Mandy",
              "Cindy", "Vivian", "Karen", "Winnie", "Joyce", "Ivy", "Tony", "Alan")

VI_COMPANY_FORMS = ("Công ty TNHH", "Công ty CP", "Hộ kinh doanh", "Công ty TNHH MTV",
                    "Doanh nghiệp tư nhân")
VI_COMPANY_WORDS = ("Minh Phát", "Thành Công", "Phú Thịnh", "Hoàng Long", "Việt Tiến",
                    "An Khang", "Tân Phú", "Đại Nam", "Hưng Thịnh", "Kim Ngân", "Sài Gòn Xanh",
                    "Bình An", "Đông Á", "Hải Âu", "Phương Nam", "Vạn Lợi")
VI_INDUSTRIES = ("Thương mại", "Xây dựng", "Vận tải", "Thực phẩm", "Dệt may", "Điện tử",
                 "Dược phẩm", "Nội thất", "Xuất nhập khẩu", "Du lịch")
ZH_CITIES = ("深圳市", "广州市", "上海", "北京", "杭州市", "东莞市", "苏州市", "厦门市", "成都市")
ZH_COMPANY_WORDS = ("华强", "鸿运", "金鑫", "永泰", "恒通", "新世纪", "大华", "顺发", "嘉禾",
                    "宏达", "瑞丰", "兴业")
ZH_INDUSTRIES = ("电子", "贸易", "建材", "物流", "食品", "服装", "科技", "餐饮", "医药", "家具")
TAGS = {"vi": ("vip", "khách cũ", "bđs", "tiểu thương", "hưu trí", "kiều hối", "chủ shop",
               "giáo viên"),
        "zh": ("老客户", "vip", "跨境电商", "个体户", "退休", "公务员", "房产", "代发工资")}

VI_NOTES = (
    "Đã gọi điện, khách hẹn tuần sau gặp tại chi nhánh.",
    "Khách quan tâm vay mua nhà khoảng 2 tỷ, cần tư vấn lãi suất ưu đãi.",
    "Gửi bảng lãi suất tiền gửi 12 tháng qua Zalo.",
    "Khách phàn nàn phí chuyển tiền quốc tế cao hơn ngân hàng khác.",
    "Gặp tại cửa hàng, con gái học lớp 10, quan tâm bảo hiểm giáo dục.",
    "Khách chưa nghe máy, gọi lại buổi chiều.",
    "Đã nộp hồ sơ vay kinh doanh, chờ thẩm định tài sản.",
    "Khách muốn mở thẻ tín dụng hạn mức 50 triệu.",
    "Tư vấn gói tài khoản doanh nghiệp, khách cần so sánh với Vietcombank.",
    "Khách đáo hạn sổ tiết kiệm 500 triệu cuối tháng, muốn tái tục.",
    "Chồng làm kỹ sư, vợ bán hàng online, thu nhập ổn định.",
    "Hẹn ký hợp đồng vào thứ 6 lúc 9h.",
    "Khách giới thiệu thêm 2 người bạn cùng chợ.",
    "Đã gửi mẫu đơn đăng ký ngân hàng điện tử.",
    "Khách hỏi về chương trình hoàn tiền khi thanh toán QR.",
    "Khách đang dùng dịch vụ của ngân hàng khác, chưa muốn chuyển.",
    "Cần bổ sung sao kê lương 6 tháng và giấy xác nhận cư trú.",
    "Khách báo doanh thu cửa hàng giảm do mùa mưa.",
    "Đã giải quyết xong khiếu nại về phí thường niên.",
    "Khách cảm ơn, hài lòng với tốc độ giải ngân.",
)
ZH_NOTES = (
    "已电话联系，客户约下周到网点面谈。",
    "客户想办信用卡，年收入约30万。",
    "发送了一年期定期存款利率表。",
    "客户对房贷利率有疑问，需要再跟进。",
    "拜访了客户的门店，生意不错，有扩大经营的打算。",
    "客户没接电话，下午再打。",
    "经营贷资料已提交，等待审批。",
    "客户关心理财产品的风险等级。",
    "介绍了企业网银和代发工资服务。",
    "客户的定期存款下月到期，打算续存。",
    "客户反映跨境汇款手续费偏高。",
    "约好周五上午十点签合同。",
    "客户推荐了两位朋友，都是做外贸的。",
    "已帮客户开通手机银行。",
    "客户孩子明年出国留学，需要换汇和留学贷款。",
    "客户目前在别的银行有贷款，暂时不考虑转贷。",
    "还需要补充六个月的银行流水。",
    "客户对服务很满意，表示会继续合作。",
    "投诉已处理完毕，客户接受了解释。",
    "客户询问大额存单的起存金额。",
)
NOTE_KINDS = (("note", 50), ("call", 25), ("visit", 10), ("meeting", 8), ("message", 5),
              ("stage", 2))


def weighted(pairs: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    """Values and cumulative weights, for ``random.choices(values, cum_weights=...)``."""
    values, cumulative, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


_VI_SURNAMES = weighted(VI_SURNAMES)
_ZH_SURNAMES = weighted(ZH_SURNAMES)


@cache
def _s2t() -> Any:
    from opencc_purepy import OpenCC

    return OpenCC("s2t")


def traditional(text: str) -> str:
    return str(_s2t().convert(text))


def vietnamese_name(rng: random.Random) -> str:
    surname = rng.choices(*_VI_SURNAMES)[0]
    if rng.random() < 0.5:
        middle, given = rng.choice(VI_MIDDLE_MALE), rng.choice(VI_GIVEN_MALE)
    else:
        middle, given = rng.choice(VI_MIDDLE_FEMALE), rng.choice(VI_GIVEN_FEMALE)
    roll = rng.random()
    if roll < 0.08:
        return f"{rng.choice(VI_TITLES)} {given} {rng.choice(VI_PLACES)}"
    if roll < 0.15:
        return f"{surname} {given}"
    if roll < 0.25:  # four-part names: Nguyễn Thị Thu Hà
        return f"{surname} {middle} {rng.choice(VI_MIDDLE_FEMALE)} {given}"
    return f"{surname} {middle} {given}"


def rm_name(rng: random.Random) -> tuple[str, str]:
    """A Vietnamese RM's Telegram first and last name: ("Lan", "Nguyễn")."""
    given = rng.choice(VI_GIVEN_MALE if rng.random() < 0.5 else VI_GIVEN_FEMALE)
    return given, rng.choices(*_VI_SURNAMES)[0]


def chinese_name(rng: random.Random, market: Market) -> str:
    name = rng.choices(*_ZH_SURNAMES)[0] + rng.choice(ZH_GIVEN)
    if rng.random() < 0.3 and len(name) == 2:
        name += rng.choice(ZH_GIVEN)[:1]
    if market.script == "hant":
        name = traditional(name)
    if market is HK and rng.random() < 0.25:
        name = f"{name} {rng.choice(HK_ENGLISH)}"
    return name


def customer_name(rng: random.Random, market: Market) -> str:
    # Vietnam's Hoa customers are often filed under their Chinese characters.
    if market.chinese or rng.random() < 0.05:
        return chinese_name(rng, market if market.chinese else CN)
    return vietnamese_name(rng)


def phone(rng: random.Random, market: Market) -> str:
    """A mobile number in E.164, as the bot stores it."""
    if market is VN:
        prefix = rng.choice(("90", "91", "93", "94", "96", "97", "98", "86", "88", "89", "32",
                             "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78",
                             "79", "81", "82", "83", "84", "85"))
        return f"+84{prefix}{rng.randrange(10**7):07d}"
    if market is CN:
        prefix = rng.choice(("13", "15", "18", "17", "19"))
        return f"+86{prefix}{rng.randrange(10**9):09d}"
    if market is TW:
        return f"+8869{rng.randrange(10**8):08d}"
    return f"+852{rng.choice('5679')}{rng.randrange(10**7):07d}"


def company(rng: random.Random, market: Market) -> str:
    if market.chinese:
        text = (rng.choice(ZH_CITIES) + rng.choice(ZH_COMPANY_WORDS) + rng.choice(ZH_INDUSTRIES)
                + "有限公司")
        return traditional(text) if market.script == "hant" else text
    return (f"{rng.choice(VI_COMPANY_FORMS)} {rng.choice(VI_INDUSTRIES)} "
            f"{rng.choice(VI_COMPANY_WORDS)}")


def tags(rng: random.Random, market: Market) -> str:
    pool = TAGS["zh" if market.chinese else "vi"]
    return ", ".join(rng.sample(pool, rng.choice((1, 1, 2))))


def note_text(rng: random.Random, market: Market) -> str:
    """A note of realistic length: mostly a line or two, now and then a long visit report."""
    phrases = ZH_NOTES if market.chinese else VI_NOTES
    roll = rng.random()
    count = 1 if roll < 0.55 else 2 if roll < 0.8 else rng.randint(3, 6) if roll < 0.97 \
        else rng.randint(10, 25)
    text = (" " if not market.chinese else "").join(rng.choices(phrases, k=count))
    if rng.random() < 0.1:
        text += f" {rng.randint(1, 30)}/{rng.randint(1, 12)}"
    return text
