//! Reference data shared by the generator and the cleaner: the aeroplane catalogue, cities, the
//! raw files' names and headers.

/// One aeroplane model in the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// Manufacturer, e.g. `Boeing`.
    pub manufacturer: &'static str,
    /// Model, e.g. `737-800`.
    pub model: &'static str,
    /// Seats.
    pub max_seats: u32,
    /// Maximum take-off weight in kg.
    pub max_weight: u32,
    /// Range in km.
    pub max_distance: u32,
    /// Engine.
    pub engine_type: &'static str,
    /// Relative share of the fleet in generated data.
    pub fleet_weight: u32,
}

macro_rules! spec {
    ($m:literal, $n:literal, $s:literal, $w:literal, $d:literal, $e:literal, $f:literal) => {
        ModelSpec {
            manufacturer: $m,
            model: $n,
            max_seats: $s,
            max_weight: $w,
            max_distance: $d,
            engine_type: $e,
            fleet_weight: $f,
        }
    };
}

/// The catalogue, as in the original `aeroplane_model.json`.
pub const MODELS: &[ModelSpec] = &[
    spec!("Boeing", "737-800", 189, 79015, 2935, "CFM56-7B", 24),
    spec!("Boeing", "777-300ER", 396, 351535, 7930, "GE90-115B", 5),
    spec!("Boeing", "787-9", 296, 254000, 7635, "GEnx-1B", 7),
    spec!("Airbus", "A320neo", 194, 79000, 3700, "CFM LEAP-1A", 24),
    spec!(
        "Airbus",
        "A350-900",
        440,
        280000,
        8100,
        "Rolls-Royce Trent XWB",
        5
    ),
    spec!(
        "Airbus",
        "A380-800",
        853,
        560000,
        8000,
        "Rolls-Royce Trent 900",
        2
    ),
    spec!("Embraer", "E190-E2", 114, 56600, 3250, "PW1900G", 8),
    spec!("Embraer", "E175", 88, 37500, 2200, "CF34-8E", 5),
    spec!("Embraer", "E195-E2", 146, 61700, 2600, "PW1900G", 4),
    spec!("Bombardier", "CRJ900", 90, 38530, 1554, "CF34-8C5", 7),
    spec!("Bombardier", "Q400", 90, 29257, 1567, "PW150A", 3),
    spec!("Cessna", "Citation X+", 12, 16555, 3516, "AE3007C2", 1),
    spec!("Cessna", "Citation Latitude", 9, 13605, 2700, "PW306D1", 1),
    spec!("Gulfstream", "G650", 19, 45360, 7500, "BR725", 1),
    spec!("Gulfstream", "G550", 19, 41300, 6750, "BR710", 1),
    spec!("Dassault", "Falcon 7X", 19, 31750, 5950, "PW307A", 1),
    spec!("Dassault", "Falcon 2000LXS", 10, 19105, 4000, "PW308C", 1),
    spec!("Mitsubishi", "SpaceJet M90", 92, 39000, 2030, "PW1200G", 1),
    spec!("COMAC", "C919", 174, 72500, 2555, "CFM LEAP-1C", 2),
];

/// Aeroplanes the generator writes whose model is not in the catalogue (a kind of dirt).
pub const UNKNOWN_MODELS: &[(&str, &str)] = &[
    ("Airbus", "A321XLR"),
    ("ATR", "ATR 72-600"),
    ("Boeing", "737 MAX 8"),
];

/// A city with its position (for realistic flight times) and how much traffic it draws.
#[derive(Debug, Clone, Copy)]
pub struct City {
    /// Name as written in trip.csv.
    pub name: &'static str,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Relative traffic: hubs are heavy.
    pub weight: u32,
}

macro_rules! city {
    ($n:literal, $lat:literal, $lon:literal, $w:literal) => {
        City {
            name: $n,
            lat: $lat,
            lon: $lon,
            weight: $w,
        }
    };
}

/// Cities served, hubs first.
pub const CITIES: &[City] = &[
    city!("London", 51.47, -0.45, 60),
    city!("Dubai", 25.25, 55.36, 50),
    city!("New York", 40.64, -73.78, 50),
    city!("Frankfurt", 50.04, 8.56, 40),
    city!("Paris", 49.01, 2.55, 40),
    city!("Singapore", 1.36, 103.99, 35),
    city!("Tokyo", 35.55, 139.78, 35),
    city!("Amsterdam", 52.31, 4.76, 30),
    city!("Istanbul", 41.26, 28.74, 25),
    city!("Los Angeles", 33.94, -118.41, 25),
    city!("Hong Kong", 22.31, 113.92, 20),
    city!("Chicago", 41.98, -87.90, 15),
    city!("Madrid", 40.47, -3.57, 15),
    city!("Tallinn", 59.41, 24.83, 12),
    city!("Berlin", 52.36, 13.50, 12),
    city!("Sydney", -33.94, 151.18, 10),
    city!("Toronto", 43.68, -79.63, 10),
    city!("Mumbai", 19.09, 72.87, 10),
    city!("Bangkok", 13.69, 100.75, 10),
    city!("Beijing", 40.08, 116.58, 10),
    city!("Sao Paulo", -23.43, -46.47, 8),
    city!("Miami", 25.79, -80.29, 8),
    city!("San Francisco", 37.62, -122.38, 8),
    city!("Riga", 56.92, 23.97, 6),
    city!("Vilnius", 54.63, 25.29, 6),
    city!("Helsinki", 60.32, 24.96, 6),
    city!("Warsaw", 52.17, 20.97, 6),
    city!("Moscow", 55.97, 37.41, 5),
    city!("Cape Town", -33.97, 18.60, 4),
    city!("Johannesburg", -26.14, 28.25, 4),
    city!("Rio de Janeiro", -22.81, -43.25, 4),
    city!("Mexico City", 19.44, -99.07, 4),
    city!("Vancouver", 49.19, -123.18, 4),
    city!("Melbourne", -37.67, 144.84, 4),
    city!("Auckland", -37.01, 174.79, 3),
    city!("Lisbon", 38.77, -9.13, 3),
];

/// Great-circle distance between two cities in km.
pub fn distance_km(a: &City, b: &City) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.lat.to_radians(),
        a.lon.to_radians(),
        b.lat.to_radians(),
        b.lon.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Raw file names and their exact headers, as in the original Air Boltic files.
pub mod raw {
    use crate::extract::reader::RawFile;

    /// `customer_group.csv`.
    pub const CUSTOMER_GROUP: RawFile = (
        "customer_group.csv",
        &["ID", "Type", "Name", "Registry number"],
    );
    /// `customer.csv`.
    pub const CUSTOMER: RawFile = (
        "customer.csv",
        &[
            "Customer ID",
            "Name",
            "Customer Group ID",
            "Email",
            "Phone Number",
        ],
    );
    /// `aeroplane.csv`.
    pub const AEROPLANE: RawFile = (
        "aeroplane.csv",
        &["Airplane ID", "Airplane Model", "Manufacturer"],
    );
    /// `trip.csv`.
    pub const TRIP: RawFile = (
        "trip.csv",
        &[
            "Trip ID",
            "Origin City",
            "Destination City",
            "Airplane ID",
            "Start Timestamp",
            "End Timestamp",
        ],
    );
    /// `order.csv`.
    pub const ORDER: RawFile = (
        "order.csv",
        &[
            "Order ID",
            "Customer ID",
            "Trip ID",
            "Price (EUR)",
            "Seat No",
            "Status",
        ],
    );
    /// The JSON catalogue: manufacturer -> model -> specs.
    pub const MODEL_CATALOGUE: &str = "aeroplane_model.json";
    /// Timestamp format of trip.csv.
    pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
}
