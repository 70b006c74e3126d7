//! The demo data of SELLER-API.md §6 ("Data"): 104 destinations, 384 hotels and the
//! availability function, all derived from a fixed seed so every instance (and every version)
//! serves the same content.

use std::collections::{BTreeSet, HashMap};

use crate::rng::{SplitMix64, keyed_hash};

/// The fixed seed of the demo data.
const SEED: u64 = 0x00D3_3A05_E11E_2025;

/// What kind of destination a code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DestKind {
    Country,
    City,
    Zone,
}

#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub code: String,
    pub kind: DestKind,
    pub parent: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Hotel {
    pub code: String,
    pub name: String,
    pub category: u8,
    pub address: String,
    pub city: String,
    pub zip: String,
    pub country: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    pub city_code: String,
    pub zone_code: String,
    /// The first hotel of each zone always has availability (`ok`).
    pub first_of_zone: bool,
}

struct City {
    name: &'static str,
    lat: f64,
    lon: f64,
    coastal: bool,
}

const fn city(name: &'static str, lat: f64, lon: f64, coastal: bool) -> City {
    City {
        name,
        lat,
        lon,
        coastal,
    }
}

/// Countries and cities in the order of §6, with invented-data-friendly real centres.
const COUNTRIES: [(&str, &str, [City; 4]); 8] = [
    (
        "ES",
        "Spain",
        [
            city("Barcelona", 41.3874, 2.1686, true),
            city("Madrid", 40.4168, -3.7038, false),
            city("Seville", 37.3891, -5.9845, false),
            city("Palma", 39.5696, 2.6502, true),
        ],
    ),
    (
        "PT",
        "Portugal",
        [
            city("Lisbon", 38.7223, -9.1393, true),
            city("Porto", 41.1579, -8.6291, true),
            city("Faro", 37.0194, -7.9304, true),
            city("Funchal", 32.6669, -16.9241, true),
        ],
    ),
    (
        "IT",
        "Italy",
        [
            city("Rome", 41.9028, 12.4964, false),
            city("Milan", 45.4642, 9.1900, false),
            city("Florence", 43.7696, 11.2558, false),
            city("Naples", 40.8518, 14.2681, true),
        ],
    ),
    (
        "FR",
        "France",
        [
            city("Paris", 48.8566, 2.3522, false),
            city("Nice", 43.7102, 7.2620, true),
            city("Lyon", 45.7640, 4.8357, false),
            city("Bordeaux", 44.8378, -0.5792, false),
        ],
    ),
    (
        "GR",
        "Greece",
        [
            city("Athens", 37.9838, 23.7275, false),
            city("Thessaloniki", 40.6401, 22.9444, true),
            city("Heraklion", 35.3387, 25.1442, true),
            city("Rhodes", 36.4341, 28.2176, true),
        ],
    ),
    (
        "HR",
        "Croatia",
        [
            city("Zagreb", 45.8150, 15.9819, false),
            city("Split", 43.5081, 16.4402, true),
            city("Dubrovnik", 42.6507, 18.0944, true),
            city("Zadar", 44.1194, 15.2314, true),
        ],
    ),
    (
        "DE",
        "Germany",
        [
            city("Berlin", 52.5200, 13.4050, false),
            city("Munich", 48.1351, 11.5820, false),
            city("Hamburg", 53.5511, 9.9937, false),
            city("Cologne", 50.9375, 6.9603, false),
        ],
    ),
    (
        "GB",
        "United Kingdom",
        [
            city("London", 51.5072, -0.1276, false),
            city("Edinburgh", 55.9533, -3.1883, false),
            city("Manchester", 53.4808, -2.2426, false),
            city("Bath", 51.3811, -2.3590, false),
        ],
    ),
];

const COASTAL_ZONES: [&str; 4] = ["Seafront", "Harbour", "Old Town", "Marina"];
const INLAND_ZONES: [&str; 5] = [
    "Old Town",
    "Riverside",
    "Old Quarter",
    "Market District",
    "University Quarter",
];
const TYPE_WORDS: [&str; 8] = [
    "Hotel",
    "Hotel",
    "Casa",
    "Aparthotel",
    "Hostal",
    "Villa",
    "Residence",
    "Suites",
];
const SYL_A: [&str; 16] = [
    "Mir", "Lun", "Vien", "Sol", "Bel", "Cor", "Val", "Ast", "Mar", "Ori", "Cal", "Ter", "Ner",
    "Ald", "Fen", "Ros",
];
const SYL_B: [&str; 12] = [
    "alba", "ara", "tamar", "ina", "ento", "oria", "avel", "issa", "ondo", "erra", "ique", "anta",
];
const CATEGORIES: [u8; 8] = [1, 2, 3, 3, 4, 4, 4, 5];

/// Room codes and their descriptions, in the order options use them.
pub(crate) const ROOMS: [(&str, &str); 3] = [
    ("DBL-STD", "Double Standard"),
    ("DBL-SUP", "Double Superior"),
    ("JSU", "Junior Suite"),
];
/// Board codes and their supplement per guest and night (EUR).
const BOARDS: [(&str, f64); 3] = [("RO", 0.0), ("BB", 10.0), ("HB", 25.0)];
/// Nightly rate per room by category 1* to 5* (EUR).
const NIGHTLY: [f64; 5] = [45.0, 60.0, 85.0, 130.0, 220.0];

/// All demo content, generated once per [`crate::DemoSeller`].
#[derive(Debug)]
pub(crate) struct Data {
    pub destinations: Vec<Destination>,
    pub hotels: Vec<Hotel>,
    dest_index: HashMap<String, usize>,
    hotel_index: HashMap<String, usize>,
    /// Key of the MACs on option ids and tokens (derived from the seed: ids stay valid across
    /// restarts, which a stateless seller promises).
    pub mac_key: u64,
}

fn invented_word(rng: &mut SplitMix64) -> String {
    format!("{}{}", rng.pick(&SYL_A), rng.pick(&SYL_B))
}

fn address(rng: &mut SplitMix64, country: &str) -> String {
    let street = invented_word(rng);
    let n = 1 + rng.below(120);
    match country {
        "ES" => format!("Calle {street} {n}"),
        "PT" => format!("Rua {street} {n}"),
        "IT" => format!("Via {street} {n}"),
        "FR" => format!("{n} Rue {street}"),
        "GR" => format!("Odos {street} {n}"),
        "HR" => format!("Ulica {street} {n}"),
        "DE" => format!("{}straße {n}", street),
        _ => format!("{n} {street} Street"),
    }
}

fn postcode(rng: &mut SplitMix64, country: &str, city: &str) -> String {
    match country {
        "PT" => format!("{:04}-{:03}", 1000 + rng.below(8000), rng.below(1000)),
        "GR" => format!("{:03} {:02}", 100 + rng.below(800), rng.below(100)),
        "GB" => {
            let area: String = city.chars().take(2).flat_map(char::to_uppercase).collect();
            let letters = b"ABDEFGHJLNPQRSTUWXYZ";
            let l1 = letters[rng.below(letters.len() as u64) as usize] as char;
            let l2 = letters[rng.below(letters.len() as u64) as usize] as char;
            format!("{area}{} {}{l1}{l2}", 1 + rng.below(9), 1 + rng.below(9))
        }
        _ => format!("{:05}", 1000 + rng.below(98_000)),
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

impl Data {
    /// Generates the whole data set from [`SEED`].
    pub(crate) fn generate() -> Self {
        let mut rng = SplitMix64::new(SEED);
        let mut destinations = Vec::with_capacity(104);
        let mut hotels = Vec::with_capacity(384);
        let mut names = BTreeSet::new();
        for (country, country_name, cities) in &COUNTRIES {
            destinations.push(Destination {
                code: (*country).to_owned(),
                kind: DestKind::Country,
                parent: None,
                name: (*country_name).to_owned(),
            });
            for c in cities {
                let prefix: String = c
                    .name
                    .chars()
                    .take(3)
                    .flat_map(char::to_uppercase)
                    .collect();
                let city_code = format!("{country}{prefix}");
                destinations.push(Destination {
                    code: city_code.clone(),
                    kind: DestKind::City,
                    parent: Some((*country).to_owned()),
                    name: c.name.to_owned(),
                });
                let second = if c.coastal {
                    *rng.pick(&COASTAL_ZONES)
                } else {
                    *rng.pick(&INLAND_ZONES)
                };
                for (z, zone_word) in [(1, "Centre"), (2, second)] {
                    let zone_code = format!("{city_code}{z:02}");
                    destinations.push(Destination {
                        code: zone_code.clone(),
                        kind: DestKind::Zone,
                        parent: Some(city_code.clone()),
                        name: format!("{} {zone_word}", c.name),
                    });
                    for i in 0..6 {
                        let code = format!("{}", 100_001 + hotels.len());
                        let name = loop {
                            let candidate = match rng.below(3) {
                                0 => format!(
                                    "{} {} {zone_word}",
                                    rng.pick(&TYPE_WORDS),
                                    invented_word(&mut rng)
                                ),
                                _ => {
                                    format!("{} {}", rng.pick(&TYPE_WORDS), invented_word(&mut rng))
                                }
                            };
                            if names.insert(candidate.clone()) {
                                break candidate;
                            }
                        };
                        // Within 2 km on each axis: at most 2.83 km from the centre.
                        let dy_km = rng.unit() * 4.0 - 2.0;
                        let dx_km = rng.unit() * 4.0 - 2.0;
                        let latitude = round_to(c.lat + dy_km / 111.32, 4);
                        let longitude =
                            round_to(c.lon + dx_km / (111.32 * c.lat.to_radians().cos()), 4);
                        hotels.push(Hotel {
                            code,
                            name,
                            category: *rng.pick(&CATEGORIES),
                            address: address(&mut rng, country),
                            city: c.name.to_owned(),
                            zip: postcode(&mut rng, country, c.name),
                            country,
                            latitude,
                            longitude,
                            city_code: city_code.clone(),
                            zone_code: zone_code.clone(),
                            first_of_zone: i == 0,
                        });
                    }
                }
            }
        }
        let dest_index = destinations
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.clone(), i))
            .collect();
        let hotel_index = hotels
            .iter()
            .enumerate()
            .map(|(i, h)| (h.code.clone(), i))
            .collect();
        let mac_key = rng.next_u64();
        Self {
            destinations,
            hotels,
            dest_index,
            hotel_index,
            mac_key,
        }
    }

    pub(crate) fn destination(&self, code: &str) -> Option<&Destination> {
        self.dest_index.get(code).map(|&i| &self.destinations[i])
    }

    pub(crate) fn hotel(&self, code: &str) -> Option<&Hotel> {
        self.hotel_index.get(code).map(|&i| &self.hotels[i])
    }

    /// Indices of the hotels named by `hotels` or located in `destinations` (country, city or
    /// zone codes): their union, in code order. Unknown codes match nothing.
    pub(crate) fn select(&self, hotels: &[String], destinations: &[String]) -> Vec<usize> {
        let mut out = BTreeSet::new();
        for code in hotels {
            if let Some(&i) = self.hotel_index.get(code) {
                out.insert(i);
            }
        }
        for code in destinations {
            let Some(d) = self.destination(code) else {
                continue;
            };
            for (i, h) in self.hotels.iter().enumerate() {
                let inside = match d.kind {
                    DestKind::Country => h.country == d.code,
                    DestKind::City => h.city_code == d.code,
                    DestKind::Zone => h.zone_code == d.code,
                };
                if inside {
                    out.insert(i);
                }
            }
        }
        out.into_iter().collect()
    }

    /// The options of a hotel for a stay and occupancy: a pure function of them (§6).
    /// `occupancy` holds the ages of each room's guests.
    pub(crate) fn options(
        &self,
        hotel: &Hotel,
        check_in: &str,
        nights: u32,
        occupancy: &[Vec<i32>],
    ) -> Vec<OptionRec> {
        let occ = occupancy_key(occupancy);
        let seed = keyed_hash(
            SEED,
            format!("{}|{check_in}|{nights}|{occ}", hotel.code).as_bytes(),
        );
        let mut rng = SplitMix64::new(seed);
        if !hotel.first_of_zone && rng.below(100) >= 76 {
            return Vec::new();
        }
        let count = 1 + rng.below(3) as usize;
        let rate = NIGHTLY[usize::from(hotel.category.clamp(1, 5)) - 1];
        let guests: usize = occupancy.iter().map(Vec::len).sum();
        ROOMS
            .iter()
            .take(count)
            .map(|(room, description)| {
                let (board, supplement) = *rng.pick(&BOARDS);
                let on_request = rng.below(10) == 0;
                let refundable = rng.below(10) != 0;
                let variation = 1.0 + (rng.unit() * 0.30 - 0.15);
                let rooms = occupancy.len() as f64;
                let gross = round_to(
                    rate * f64::from(nights) * variation * rooms
                        + supplement * guests as f64 * f64::from(nights),
                    2,
                );
                OptionRec {
                    room,
                    room_description: description,
                    board,
                    on_request,
                    refundable,
                    gross,
                    net: round_to(gross * 0.8, 2),
                }
            })
            .collect()
    }
}

/// The canonical text of an occupancy: rooms separated by `;`, ages by `,`.
pub(crate) fn occupancy_key(occupancy: &[Vec<i32>]) -> String {
    occupancy
        .iter()
        .map(|room| {
            room.iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses [`occupancy_key`]'s text back.
pub(crate) fn parse_occupancy(text: &str) -> Option<Vec<Vec<i32>>> {
    text.split(';')
        .map(|room| {
            room.split(',')
                .map(|a| a.parse().ok())
                .collect::<Option<Vec<i32>>>()
        })
        .collect()
}

/// One bookable option of a hotel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OptionRec {
    pub room: &'static str,
    pub room_description: &'static str,
    pub board: &'static str,
    pub on_request: bool,
    pub refundable: bool,
    pub gross: f64,
    pub net: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_codes_follow_the_spec() {
        let d = Data::generate();
        assert_eq!(d.destinations.len(), 104);
        assert_eq!(
            d.destinations
                .iter()
                .filter(|x| x.kind == DestKind::Country)
                .count(),
            8
        );
        assert_eq!(
            d.destinations
                .iter()
                .filter(|x| x.kind == DestKind::City)
                .count(),
            32
        );
        assert_eq!(
            d.destinations
                .iter()
                .filter(|x| x.kind == DestKind::Zone)
                .count(),
            64
        );
        assert_eq!(d.hotels.len(), 384);
        assert_eq!(d.hotels[0].code, "100001");
        assert_eq!(d.hotels[383].code, "100384");
        for code in ["ESBAR", "PTLIS", "DECOL", "GBBAT", "ESBAR01", "GRTHE02"] {
            assert!(d.destination(code).is_some(), "{code}");
        }
        assert_eq!(
            d.destination("ESBAR01").map(|z| z.name.as_str()),
            Some("Barcelona Centre")
        );
        let pt = d.select(&[], &["PT".to_owned()]);
        assert_eq!(
            pt.first().map(|&i| d.hotels[i].code.as_str()),
            Some("100049")
        );
        assert_eq!(
            pt.last().map(|&i| d.hotels[i].code.as_str()),
            Some("100096")
        );
        assert_eq!(d.hotels[11].city, "Barcelona");
        assert_eq!(d.hotels[12].city, "Madrid");
    }

    #[test]
    fn hotels_lie_within_3_km_of_their_centre() {
        let d = Data::generate();
        for (country, _, cities) in &COUNTRIES {
            for c in cities {
                for h in d
                    .hotels
                    .iter()
                    .filter(|h| h.city == c.name && h.country == *country)
                {
                    let dy = (h.latitude - c.lat) * 111.32;
                    let dx = (h.longitude - c.lon) * 111.32 * c.lat.to_radians().cos();
                    assert!((dx * dx + dy * dy).sqrt() < 3.0, "{}", h.code);
                }
            }
        }
    }

    #[test]
    fn availability_is_pure_and_about_80_percent() {
        let d = Data::generate();
        let occ = vec![vec![30, 30]];
        let mut available = 0;
        for h in &d.hotels {
            let a = d.options(h, "2025-03-31", 2, &occ);
            assert_eq!(a, d.options(h, "2025-03-31", 2, &occ));
            if h.first_of_zone {
                assert!(!a.is_empty());
            }
            assert!(a.len() <= 3);
            for o in &a {
                assert!(o.gross > 0.0 && (o.net - o.gross * 0.8).abs() < 0.01);
            }
            available += usize::from(!a.is_empty());
        }
        assert!((260..=350).contains(&available), "{available}");
        assert_eq!(
            parse_occupancy(&occupancy_key(&[vec![30, 30], vec![8]])),
            Some(vec![vec![30, 30], vec![8]])
        );
    }
}
