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

# District-level localities, each with a few communes (small demo).
DISTRICTS = [
    ("HS", "Hương Sơn", ["Sơn Kim 1", "Sơn Hồng", "Sơn Tây", "Sơn Lĩnh"]),
    ("HK", "Hương Khê", ["Hòa Hải", "Phú Gia", "Hương Lâm", "Hương Liên"]),
    ("VQ", "Vũ Quang", ["Hương Quang", "Ân Phú", "Đức Lĩnh"]),
    ("KA", "Kỳ Anh", ["Kỳ Thượng", "Kỳ Lạc", "Kỳ Sơn"]),
    ("CX", "Cẩm Xuyên", ["Cẩm Nhượng", "Cẩm Lạc", "Cẩm Minh"]),
    ("NX", "Nghi Xuân", ["Xuân Hội", "Xuân Liên", "Cương Gián"]),
]

# More localities for the large demo (names reused with numbers beyond these).
MORE_DISTRICTS = [
    ("TH", "Thạch Hà"),
    ("CL", "Can Lộc"),
    ("DT", "Đức Thọ"),
    ("LH", "Lộc Hà"),
    ("HL", "Hồng Lĩnh"),
    ("TPHT", "Thành phố Hà Tĩnh"),
    ("TXKA", "Thị xã Kỳ Anh"),
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

SOLDIER_RANKS = ["Binh nhất", "Hạ sĩ", "Trung sĩ", "Thượng sĩ"]
OFFICER_RANKS = ["Thiếu úy", "Trung úy", "Thượng úy", "Đại úy", "Thiếu tá", "Trung tá"]
POSITIONS = [
    "Trợ lý dân vận",
    "Cán bộ dân vận",
    "Chính trị viên phó",
    "Đội trưởng vận động quần chúng",
    "Cảnh sát khu vực",
    "Trạm trưởng",
    "Chiến sĩ",
    "Chỉ huy phó",
]

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
