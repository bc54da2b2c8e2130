"""The demo province: names of units, people, ranks and positions (illustrative, not real)."""

from __future__ import annotations

PROVINCE = ("HT", "Tỉnh Hà Tĩnh", "province")

# (code, name, kind) directly under the province root.
TOP_UNITS = [
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "military_command"),
    ("CAT", "Công an tỉnh", "police"),
    ("BDBP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "border_command"),
    ("BDVTU", "Ban Dân vận Tỉnh ủy", "party_board"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc tỉnh", "mass_organisation"),
]

# District-level localities: (code, name, level, communes). The level names the local
# government: a "huyện" has "xã", a "thị xã" or "thành phố" has "phường".
DISTRICTS = [
    ("HS", "Hương Sơn", "huyện", ["Sơn Kim 1", "Sơn Hồng", "Sơn Tây", "Sơn Lĩnh"]),
    ("HK", "Hương Khê", "huyện", ["Hòa Hải", "Phú Gia", "Hương Lâm", "Hương Liên"]),
    ("VQ", "Vũ Quang", "huyện", ["Hương Quang", "Ân Phú", "Đức Lĩnh"]),
    ("KA", "Kỳ Anh", "huyện", ["Kỳ Thượng", "Kỳ Lạc", "Kỳ Sơn"]),
    ("CX", "Cẩm Xuyên", "huyện", ["Cẩm Nhượng", "Cẩm Lạc", "Cẩm Minh"]),
    ("NX", "Nghi Xuân", "huyện", ["Xuân Hội", "Xuân Liên", "Cương Gián"]),
]

# More localities for the large demo; their communes get numbered names.
MORE_DISTRICTS = [
    ("TH", "Thạch Hà", "huyện"),
    ("CL", "Can Lộc", "huyện"),
    ("DT", "Đức Thọ", "huyện"),
    ("LH", "Lộc Hà", "huyện"),
    ("HL", "Hồng Lĩnh", "thị xã"),
    ("TPHT", "Hà Tĩnh", "thành phố"),
    ("TXKA", "Kỳ Anh", "thị xã"),
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
    "district_command": [
        "Trợ lý dân vận",
        "Trợ lý chính trị",
        "Chính trị viên phó",
        "Chỉ huy phó",
        "Chiến sĩ",
    ],
    "commune_command": ["Chỉ huy trưởng", "Chính trị viên phó", "Chỉ huy phó", "Chiến sĩ"],
    "district_police": [
        "Cán bộ công tác quần chúng",
        "Phó Trưởng Công an huyện",
        "Cảnh sát khu vực",
        "Chiến sĩ",
    ],
    "commune_police": [
        "Trưởng Công an xã",
        "Phó Trưởng Công an xã",
        "Cảnh sát khu vực",
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
