//! Provinces and communes: the 34 provinces of the 2025 reorganisation and 3,321 communes
//! spread over them, with five-digit codes in the shape the product's place tables take
//! (`domain::place`). Commune codes are synthetic but stable: the first commune of Hà Nội is
//! `00004` (Phường Ba Đình, as in the product's bundled sample and its tests).

use chrono::{DateTime, Utc};
use domain::search::search_key;
use entities::{commune, province};

/// The 34 provinces and centrally-run cities since 1 July 2025 (code, name).
pub const PROVINCES: [(&str, &str); 34] = [
    ("01", "Thành phố Hà Nội"),
    ("04", "Tỉnh Cao Bằng"),
    ("08", "Tỉnh Tuyên Quang"),
    ("11", "Tỉnh Điện Biên"),
    ("12", "Tỉnh Lai Châu"),
    ("14", "Tỉnh Sơn La"),
    ("15", "Tỉnh Lào Cai"),
    ("19", "Tỉnh Thái Nguyên"),
    ("20", "Tỉnh Lạng Sơn"),
    ("22", "Tỉnh Quảng Ninh"),
    ("24", "Tỉnh Bắc Ninh"),
    ("25", "Tỉnh Phú Thọ"),
    ("31", "Thành phố Hải Phòng"),
    ("33", "Tỉnh Hưng Yên"),
    ("37", "Tỉnh Ninh Bình"),
    ("38", "Tỉnh Thanh Hóa"),
    ("40", "Tỉnh Nghệ An"),
    ("42", "Tỉnh Hà Tĩnh"),
    ("44", "Tỉnh Quảng Trị"),
    ("46", "Thành phố Huế"),
    ("48", "Thành phố Đà Nẵng"),
    ("51", "Tỉnh Quảng Ngãi"),
    ("52", "Tỉnh Gia Lai"),
    ("56", "Tỉnh Khánh Hòa"),
    ("66", "Tỉnh Đắk Lắk"),
    ("68", "Tỉnh Lâm Đồng"),
    ("75", "Tỉnh Đồng Nai"),
    ("79", "Thành phố Hồ Chí Minh"),
    ("80", "Tỉnh Tây Ninh"),
    ("82", "Tỉnh Đồng Tháp"),
    ("86", "Tỉnh Vĩnh Long"),
    ("91", "Tỉnh An Giang"),
    ("92", "Thành phố Cần Thơ"),
    ("96", "Tỉnh Cà Mau"),
];

/// Communes in the country after the 2025 reorganisation.
pub const NATIONAL_COMMUNES: usize = 3_321;

const PLACE_WORDS: &[&str] = &[
    "Bình",
    "An",
    "Tân",
    "Phú",
    "Hòa",
    "Thạnh",
    "Long",
    "Hưng",
    "Minh",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Quang",
    "Thái",
    "Vĩnh",
    "Phước",
    "Hiệp",
    "Lộc",
    "Thuận",
    "Định",
    "Yên",
    "Sơn",
    "Hải",
    "Thủy",
    "Xuân",
    "Cẩm",
];

/// A commune as generated (the row and what later tables need).
#[derive(Debug, Clone)]
pub struct Place {
    /// Five-digit code.
    pub code: String,
    /// Province code.
    pub province_code: String,
    /// Display name, e.g. "Phường Ba Đình".
    pub name: String,
}

/// The provinces and communes of a scale: `province_count` provinces (from the first) and
/// `communes` communes spread evenly over them (the first province gets the remainder first).
pub fn places(province_count: usize, communes: usize) -> Vec<Place> {
    let province_count = province_count.clamp(1, PROVINCES.len());
    let per = communes / province_count;
    let extra = communes % province_count;
    let mut out = Vec::with_capacity(communes);
    let mut serial = 0usize;
    for (p, (pcode, _)) in PROVINCES.iter().take(province_count).enumerate() {
        let n = per + usize::from(p < extra);
        for i in 0..n {
            // Codes grow with the province order, like the official list; 4 + 9k keeps them
            // unique and five digits wide (3,321 communes end at 29,884).
            let code = format!("{:05}", 4 + 9 * serial);
            let name = if serial == 0 {
                "Phường Ba Đình".to_owned()
            } else {
                let kind = if i % 3 == 0 { "Phường" } else { "Xã" };
                let a = PLACE_WORDS[serial % PLACE_WORDS.len()];
                let b = PLACE_WORDS[(serial / PLACE_WORDS.len() + 7 * i + 1) % PLACE_WORDS.len()];
                format!("{kind} {a} {b}")
            };
            out.push(Place {
                code,
                province_code: (*pcode).to_owned(),
                name,
            });
            serial += 1;
        }
    }
    out
}

/// Province rows for the places given.
pub fn province_rows(places: &[Place], now: DateTime<Utc>) -> Vec<province::Model> {
    PROVINCES
        .iter()
        .filter(|(code, _)| places.iter().any(|p| p.province_code == *code))
        .map(|(code, name)| province::Model {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            created_at: now,
        })
        .collect()
}

/// The commune row of a place.
pub fn commune_row(p: &Place, now: DateTime<Utc>) -> commune::Model {
    commune::Model {
        code: p.code.clone(),
        province_code: p.province_code.clone(),
        name: p.name.clone(),
        name_search: search_key(&p.name),
        kind: if p.name.starts_with("Phường") {
            "ward"
        } else {
            "commune"
        }
        .to_owned(),
        is_current: true,
        successor_code: None,
        abolished_on: None,
        created_at: now,
    }
}
