"""The demo province: names of units, people, ranks and positions (illustrative, not real)."""

from __future__ import annotations

PROVINCE = ("HT", "Tỉnh Hà Tĩnh", "province")

# (code, name, kind) directly under the province root: the structure since 1 July 2025, when
# local government became two tiers (province, commune) and district commands and district
# police were dissolved.
TOP_UNITS = [
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "military_command"),
    ("CAT", "Công an tỉnh", "police"),
    ("BDBP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "border_command"),
    ("BDVTU", "Ban Tuyên giáo và Dân vận Tỉnh ủy", "party_board"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "mass_organisation"),
]

# Regional defence commands under the Provincial Military Command: (code, name, former
# districts covered, communes). The grouping and numbering are illustrative, not official;
# the communes carry real place names of the merged (2025) communes and wards.
REGIONS = [
    (
        "HS",
        "Ban CHQS Phòng thủ khu vực 1 – Hương Sơn",
        ["Hương Sơn", "Đức Thọ"],
        [
            "xã Sơn Kim 1",
            "xã Sơn Kim 2",
            "xã Sơn Hồng",
            "xã Sơn Tây",
            "xã Tứ Mỹ",
            "xã Kim Hoa",
            "xã Đức Thọ",
            "xã Đức Quang",
        ],
    ),
    (
        "HK",
        "Ban CHQS Phòng thủ khu vực 2 – Hương Khê",
        ["Hương Khê", "Vũ Quang"],
        [
            "xã Hương Khê",
            "xã Hương Phố",
            "xã Hương Đô",
            "xã Hà Linh",
            "xã Phúc Trạch",
            "xã Vũ Quang",
            "xã Mai Hoa",
        ],
    ),
    (
        "KA",
        "Ban CHQS Phòng thủ khu vực 3 – Kỳ Anh",
        ["Kỳ Anh", "thị xã Kỳ Anh", "Cẩm Xuyên"],
        [
            "xã Kỳ Xuân",
            "xã Kỳ Anh",
            "xã Kỳ Lạc",
            "phường Hoành Sơn",
            "xã Cẩm Xuyên",
            "xã Thiên Cầm",
            "xã Cẩm Lạc",
        ],
    ),
]

# More regional commands for the large demo; their communes get numbered names.
MORE_REGIONS = [
    (
        "TH",
        "Ban CHQS Phòng thủ khu vực 4 – Thạch Hà",
        ["Thạch Hà", "Lộc Hà", "thành phố Hà Tĩnh"],
    ),
    (
        "CL",
        "Ban CHQS Phòng thủ khu vực 5 – Can Lộc",
        ["Can Lộc", "thị xã Hồng Lĩnh", "Nghi Xuân"],
    ),
]

BORDER_POSTS = [
    ("DBP-CT", "Đồn Biên phòng Cửa khẩu Cầu Treo"),
    ("DBP-SH", "Đồn Biên phòng Sơn Hồng"),
    ("DBP-SK", "Đồn Biên phòng Sơn Kim"),
    ("DBP-HL", "Đồn Biên phòng Hương Lâm"),
    ("DBP-PG", "Đồn Biên phòng Phú Gia"),
    ("DBP-XH", "Đồn Biên phòng Xuân Hội"),
]

FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Thái",
    "Hà",
    "Lương",
    "Cao",
]
MIDDLE_NAMES = [
    "Văn",
    "Đức",
    "Hữu",
    "Minh",
    "Quang",
    "Xuân",
    "Thanh",
    "Công",
    "Đình",
    "Thị",
    "Ngọc",
    "Anh",
    "Trọng",
    "Duy",
]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Hà",
    "Lan",
    "Hương",
    "Thảo",
    "Trang",
    "Hiếu",
    "Lộc",
    "Nghĩa",
    "Tài",
    "Vinh",
    "Tâm",
    "Trung",
    "Kiên",
]

# Ranks and positions by the kind of unit a cadre serves in: "Chiến sĩ" (soldier) takes an
# enlisted rank, every other position an officer's.
ENLISTED_RANKS = ["Binh nhất", "Hạ sĩ", "Trung sĩ", "Thượng sĩ"]
OFFICER_RANKS = ["Thiếu úy", "Trung úy", "Thượng úy", "Đại úy", "Thiếu tá"]
POSITIONS_BY_KIND = {
    "regional_defence_command": [
        "Trợ lý dân vận",
        "Trợ lý chính trị",
        "Chính trị viên phó",
        "Chỉ huy phó",
        "Chiến sĩ",
    ],
    "commune_command": ["Chỉ huy trưởng", "Chính trị viên phó", "Chỉ huy phó", "Chiến sĩ"],
    "commune_police": [
        "Trưởng Công an xã",
        "Phó Trưởng Công an xã",
        "Cảnh sát khu vực",
        "Cán bộ công tác quần chúng",
        "Chiến sĩ",
    ],
    "border_post": [
        "Đội trưởng vận động quần chúng",
        "Cán bộ vận động quần chúng",
        "Trạm trưởng",
        "Chính trị viên phó đồn",
        "Chiến sĩ",
    ],
}

# (username, full name, unit code, roles, rank, position): the logins printed by `lms demo`.
NAMED_ACCOUNTS = [
    ("quantri", "Quản trị hệ thống", None, ["admin"], "", ""),
    (
        "giangvien",
        "Trần Minh Đức",
        "BCHQS",
        ["trainer"],
        "Đại úy",
        "Trợ lý dân vận, Phòng Chính trị",
    ),
    (
        "giangvien.bdbp",
        "Lê Thị Hương",
        "BDBP",
        ["trainer"],
        "Thiếu tá",
        "Báo cáo viên, Phòng Chính trị",
    ),
    ("chihuy.tinh", "Nguyễn Văn Thắng", "BCHQS", ["commander"], "Thượng tá", "Phó Chính ủy"),
    (
        "chihuy.huongson",
        "Phạm Đức Long",
        "BCHQS-HS",
        ["commander", "cadre"],
        "Thiếu tá",
        "Chính trị viên",
    ),
    (
        "chihuy.bdbp",
        "Hồ Quang Vinh",
        "BDBP",
        ["commander"],
        "Thượng tá",
        "Phó Chỉ huy trưởng Chính trị",
    ),
    ("hocvien", "Võ Văn Nam", "BCHQS-HS-01", ["cadre"], "Thiếu úy", "Trợ lý dân vận"),
    (
        "hocvien.bdbp",
        "Đinh Công Sơn",
        "DBP-CT",
        ["cadre"],
        "Trung úy",
        "Đội trưởng vận động quần chúng",
    ),
]
