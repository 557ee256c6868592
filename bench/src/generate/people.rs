//! Vietnamese people: names with diacritics, mobile numbers and citizen IDs that pass the
//! product's own rules (`domain::phone`, `domain::national_id`).

use chrono::{Datelike, NaiveDate};
use domain::person::Sex;
use rand::{Rng, rngs::StdRng, seq::SliceRandom};

/// Family names, roughly in order of frequency (the first ones are repeated to weigh them).
const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh",
    "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Đào",
    "Mai", "Lương", "Cao", "Tạ", "Hà", "Lò", "Lường", "Hoàng", "Triệu",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Xuân", "Công", "Đình", "Ngọc",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh", "Phương",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long",
    "Lâm", "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tuấn",
    "Tùng", "Việt", "Vinh", "Hoàng", "Trung", "Đông", "Lộc", "Kiên",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Thảo",
    "Thủy",
    "Trang",
    "Vân",
    "Yến",
    "Dung",
    "Huyền",
];
const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
    "Hùng Vương",
    "Điện Biên Phủ",
    "Phan Đình Phùng",
    "Nguyễn Huệ",
    "Lê Duẩn",
    "Võ Thị Sáu",
];
/// Mobile prefixes in use since the 2018 renumbering (Viettel, Vinaphone, MobiFone, …).
const MOBILE_PREFIXES: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "081",
    "082", "083", "084", "085", "088", "091", "094", "070", "076", "077", "078", "079", "089",
    "090", "093", "056", "058", "092", "059", "099",
];
/// Birth-registration province codes of CCCD numbers (pre-2025 provinces; see
/// `domain::national_id`).
const BIRTH_PROVINCES: &[u16] = &[
    1, 2, 4, 8, 10, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 46, 48,
    49, 51, 52, 56, 66, 68, 74, 75, 79, 80, 82, 83, 86, 89, 91, 92, 94, 96,
];

/// A person's sex, name and date of birth.
pub struct Person {
    /// Sex as on the national ID.
    pub sex: Sex,
    /// Full name, family name first.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
}

/// A random person born between `born_from` and `born_to` (years, inclusive).
pub fn person(rng: &mut StdRng, born_from: i32, born_to: i32) -> Person {
    let sex = if rng.gen_bool(0.85) {
        Sex::Male
    } else {
        Sex::Female
    };
    let family = pick(rng, FAMILY);
    let (middle, given) = match sex {
        Sex::Male => (pick(rng, MIDDLE_MALE), pick(rng, GIVEN_MALE)),
        Sex::Female => (pick(rng, MIDDLE_FEMALE), pick(rng, GIVEN_FEMALE)),
    };
    let year = rng.gen_range(born_from..=born_to);
    let date_of_birth = NaiveDate::from_yo_opt(year, rng.gen_range(1..=365)).unwrap_or_default();
    Person {
        sex,
        full_name: format!("{family} {middle} {given}"),
        date_of_birth,
    }
}

/// A mobile number in canonical form (`84` + 9 digits), unique for each `serial` below 10⁶.
pub fn phone(rng: &mut StdRng, serial: u64) -> String {
    let prefix = pick(rng, MOBILE_PREFIXES);
    // Nine national digits: the prefix's two, one random, six that make the number unique.
    format!(
        "84{}{}{:06}",
        &prefix[1..],
        rng.gen_range(0..10),
        serial % 1_000_000
    )
}

/// A 12-digit CCCD matching the person's birth year and sex, unique for each `serial` < 10⁶.
pub fn national_id(rng: &mut StdRng, p: &Person, serial: u64) -> String {
    let province = BIRTH_PROVINCES.choose(rng).copied().unwrap_or(1);
    let year = p.date_of_birth.year();
    let century = (year - 1900).div_euclid(100) * 2 + i32::from(p.sex == Sex::Female);
    format!(
        "{province:03}{century}{:02}{:06}",
        year.rem_euclid(100),
        serial % 1_000_000
    )
}

/// A street address in the commune.
pub fn address(rng: &mut StdRng, commune_name: &str) -> String {
    format!(
        "Số {} đường {}, {commune_name}",
        rng.gen_range(1..300),
        pick(rng, STREETS)
    )
}

/// One element of a non-empty list.
pub fn pick<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.gen_range(0..list.len())]
}
