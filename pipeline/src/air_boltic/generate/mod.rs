//! The Air Boltic raw data generator.
//!
//! Writes `customer_group.csv`, `customer.csv`, `aeroplane.csv`, `aeroplane_model.json`,
//! `trip.csv` and `order.csv` in exactly the formats of the original files, with the same kinds
//! of dirt at realistic rates and realistic skew (a few customers and hub cities dominate, summer
//! peaks). Output is a pure function of `(orders, seed)`: every row is drawn from a random
//! generator seeded by the seed, the table and the row id, so rows are reproducible one by one
//! and an order can re-derive the attributes of its trip without keeping trips in memory.
//! Memory stays constant from 1k to 100M orders: rows stream through a small buffer straight
//! into the object store (multipart upload above a few MiB).
//!
//! [`generate_loads`] can instead write the same tables as an initial load plus daily batches,
//! one hive-style folder per table and load (`order/load_date=2024-12-21/order.csv`): new rows,
//! changed customers, orders whose status moves on, late-arriving rows and a re-delivered file
//! (see [`batches`]). [`list_loads`] finds such loads under a raw location.

use std::io::Write;

use bytes::Bytes;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use indicatif::ProgressBar;
use object_store::buffered::BufWriter;
use rand::distr::{Distribution, weighted::WeightedIndex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::air_boltic::catalogue::{self, CITIES, MODELS, UNKNOWN_MODELS, raw};
use crate::air_boltic::catalogue_file::catalogue_json;
use crate::error::{PipelineError, Result};
use crate::extract::reader::RawFile;
use crate::location::Location;
use crate::progress::Progress;

pub mod batches;
mod loads;

pub use batches::MAX_BATCHES;
pub use loads::{RawLoad, list_loads, load_folder, parse_load_folder};

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scale {
    /// Orders (the knob the user turns).
    pub orders: u64,
    /// About one trip per 20 orders.
    pub trips: u64,
    /// About one customer per 10 orders.
    pub customers: u64,
    /// About one group per 40 customers.
    pub customer_groups: u64,
    /// About one aeroplane per 1,500 trips (two years of flying), at least 10.
    pub aeroplanes: u64,
}

impl Scale {
    /// The scale for `orders` orders.
    pub fn for_orders(orders: u64) -> Self {
        let orders = orders.max(1);
        let trips = (orders / 20).max(20);
        let customers = (orders / 10).max(20);
        Scale {
            orders,
            trips,
            customers,
            customer_groups: (customers / 40).max(5),
            aeroplanes: (trips / 1500).max(10),
        }
    }
}

/// One file `generate` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedFile {
    /// Slash-separated path relative to the output location (`order.csv`, or
    /// `order/load_date=2024-12-21/order.csv` in a load).
    pub path: String,
    /// The load the file belongs to; `None` in the flat layout.
    pub load_date: Option<NaiveDate>,
    /// Bytes written.
    pub bytes: u64,
    /// Data rows (CSV lines after the header; aeroplane models for the JSON catalogue).
    pub rows: u64,
}

/// What `generate` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct GenerateSummary {
    /// Distinct keys per table once every load is read.
    pub scale: Scale,
    /// Seed used.
    pub seed: u64,
    /// Daily batches after the initial load (0: the flat layout, no loads).
    pub batches: u32,
    /// Every file written, by load date (oldest first) and path.
    pub files: Vec<GeneratedFile>,
}

impl GenerateSummary {
    /// Bytes written in all.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// The load dates written, oldest first (empty for the flat layout).
    pub fn loads(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self.files.iter().filter_map(|f| f.load_date).collect();
        dates.dedup();
        dates
    }
}

const SALT_GROUP: u64 = 0x9E37_79B9_7F4A_7C15;
const SALT_CUSTOMER: u64 = 0xC2B2_AE3D_27D4_EB4F;
const SALT_AEROPLANE: u64 = 0x1656_67B1_9E37_79F9;
const SALT_TRIP: u64 = 0x85EB_CA77_C2B2_AE63;
const SALT_ORDER: u64 = 0x27D4_EB2F_1656_67C5;

fn row_rng(seed: u64, salt: u64, id: u64) -> SmallRng {
    // SplitMix-style mixing so neighbouring ids get unrelated streams.
    let mut z = seed ^ salt ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    SmallRng::seed_from_u64(z ^ (z >> 31))
}

/// The last trip day of [`generate`]: two years of trips from 2023-01-01.
pub const DEFAULT_LAST_DAY: (i32, u32, u32) = (2024, 12, 30);

/// Generate the raw files for `orders` orders into `out`, with two years of trips ending on
/// [`DEFAULT_LAST_DAY`] (the same files for the same seed, whenever it runs).
pub async fn generate(
    out: &Location,
    orders: u64,
    seed: u64,
    progress: &Progress,
) -> Result<GenerateSummary> {
    let (y, m, d) = DEFAULT_LAST_DAY;
    let last_day = NaiveDate::from_ymd_opt(y, m, d).expect("static date");
    generate_until(out, orders, seed, last_day, progress).await
}

/// [`generate`] with two years of trips ending on `last_day` (e.g. today, so that relative
/// filters such as "last 12 months" find data). The same seed and last day give the same files.
pub async fn generate_until(
    out: &Location,
    orders: u64,
    seed: u64,
    last_day: NaiveDate,
    progress: &Progress,
) -> Result<GenerateSummary> {
    let scale = Scale::for_orders(orders);
    let generator = Generator::new(scale, seed, last_day);
    let catalogue = catalogue_json()?;
    out.write(raw::MODEL_CATALOGUE, catalogue.clone()).await?;

    type Fill = fn(&Generator, &mut CsvWriter, &ProgressBar) -> csv::Result<u64>;
    let tables: [(RawFile, u64, Fill); 5] = [
        (
            raw::CUSTOMER_GROUP,
            scale.customer_groups,
            Generator::customer_groups,
        ),
        (raw::CUSTOMER, scale.customers, Generator::customers),
        (raw::AEROPLANE, scale.aeroplanes, Generator::aeroplanes),
        (raw::TRIP, scale.trips, Generator::trips),
        (raw::ORDER, scale.orders, Generator::orders),
    ];
    let writes = tables.iter().map(|&((file, header), rows, fill)| {
        let g = generator.clone();
        let bar = progress.rows(file, Some(rows));
        write_csv(out, file, header, bar, move |w, bar| {
            let rows = fill(&g, w, bar)?;
            bar.finish();
            Ok(rows)
        })
    });
    let written = futures::future::try_join_all(writes).await?;

    let mut files: Vec<GeneratedFile> = tables
        .iter()
        .zip(written)
        .map(|(((file, _), _, _), (bytes, rows))| GeneratedFile {
            path: file.to_string(),
            load_date: None,
            bytes,
            rows,
        })
        .collect();
    files.push(GeneratedFile {
        path: raw::MODEL_CATALOGUE.into(),
        load_date: None,
        bytes: catalogue.len() as u64,
        rows: MODELS.len() as u64,
    });
    Ok(GenerateSummary {
        scale,
        seed,
        batches: 0,
        files,
    })
}

/// [`generate_until`] as an initial load plus `batches` daily batches, the last one on
/// `last_day`, each in `<table>/load_date=<YYYY-MM-DD>/` folders (see [`batches`]); with
/// `batches` 0, exactly the flat files of [`generate_until`]. A pure function of
/// `(orders, seed, last_day, batches)`.
pub async fn generate_loads(
    out: &Location,
    orders: u64,
    seed: u64,
    last_day: NaiveDate,
    batches: u32,
    progress: &Progress,
) -> Result<GenerateSummary> {
    if batches == 0 {
        generate_until(out, orders, seed, last_day, progress).await
    } else {
        batches::generate_batches(out, orders, seed, last_day, batches, progress).await
    }
}

/// Buffers CSV text and hands it to the uploader in chunks.
struct ChunkSink {
    buffer: Vec<u8>,
    tx: mpsc::Sender<Bytes>,
}

const CHUNK: usize = 4 << 20;

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            let chunk = Bytes::from(std::mem::replace(
                &mut self.buffer,
                Vec::with_capacity(CHUNK + 1024),
            ));
            self.tx
                .blocking_send(chunk)
                .map_err(|_| std::io::Error::other("the uploader stopped"))?;
        }
        Ok(())
    }
}

type CsvWriter = csv::Writer<ChunkSink>;

/// Run `fill` on a blocking thread, streaming the header and what it writes into `path` under
/// `out`; bytes written and the rows `fill` reports.
async fn write_csv<F>(
    out: &Location,
    path: &str,
    header: &[&str],
    bar: ProgressBar,
    fill: F,
) -> Result<(u64, u64)>
where
    F: FnOnce(&mut CsvWriter, &ProgressBar) -> csv::Result<u64> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Bytes>(4);
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let producer = tokio::task::spawn_blocking(move || -> csv::Result<u64> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(ChunkSink {
                buffer: Vec::with_capacity(CHUNK + 1024),
                tx,
            });
        writer.write_record(&header)?;
        let rows = fill(&mut writer, &bar)?;
        writer.flush()?;
        Ok(rows)
    });
    let mut upload = BufWriter::new(out.store().clone(), out.path(path));
    let mut written = 0u64;
    while let Some(chunk) = rx.recv().await {
        written += chunk.len() as u64;
        upload.write_all(&chunk).await?;
    }
    match producer.await {
        Ok(Ok(rows)) => {
            upload.shutdown().await?;
            Ok((written, rows))
        }
        Ok(Err(e)) => {
            upload.abort().await?;
            Err(PipelineError::Internal(format!("writing '{path}': {e}")))
        }
        Err(e) => Err(PipelineError::Internal(format!(
            "generator for '{path}' died: {e}"
        ))),
    }
}

const FIRST_NAMES: &[&str] = &[
    "John", "Jane", "Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Irene",
    "Jack", "Karen", "Larry", "Megan", "Nancy", "Oliver", "Patricia", "Quentin", "Rachel", "Sofia",
    "Mateo", "Liis", "Kristjan", "Aino", "Mikk", "Yuki", "Hiroshi", "Priya", "Arjun", "Fatima",
    "Omar", "Chloe", "Lucas", "Mia", "Noah", "Elena", "Ivan", "Zoe", "Leo",
];
const LAST_NAMES: &[&str] = &[
    "Doe", "Smith", "Johnson", "Brown", "White", "Wilson", "Davis", "Miller", "Taylor", "Anderson",
    "Thomas", "Moore", "Jackson", "Harris", "Martin", "Thompson", "Garcia", "Martinez", "Lee",
    "Walker", "Tamm", "Saar", "Kask", "Sato", "Suzuki", "Patel", "Sharma", "Khan", "Haddad",
    "Dubois", "Muller", "Rossi", "Novak", "Kowalski", "Ivanova", "Silva", "Santos", "Nguyen",
    "Kim", "Berg",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.com",
    "company.com",
    "domain.co.uk",
    "mail.ee",
    "webmail.com",
    "provider.net",
    "samplemail.com",
];
const GROUP_WORDS: &[&str] = &[
    "Bolt", "BigBang", "Lofty", "Nordic", "Baltic", "Aurora", "Vertex", "Harbor", "Summit",
    "Pioneer", "Atlas", "Zenith", "Meridian", "Cobalt", "Lumen",
];
const GROUP_SUFFIXES: &[&str] = &[
    "",
    " Logistics",
    " Labs",
    " Group",
    " Travel",
    " Systems",
    " Partners",
];
const CAUSES: &[&str] = &[
    "dog safety",
    "clean seas",
    "open schools",
    "rural health",
    "city bikes",
];

/// Country calling code and a phone number writer for a few formats seen in the original file.
fn phone(rng: &mut SmallRng) -> String {
    let digits = |rng: &mut SmallRng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect()
    };
    let style = rng.random_range(0..10);
    match rng.random_range(0..6) {
        0 => match style {
            0..=4 => format!("+1-555-{}-{}", digits(rng, 3), digits(rng, 4)),
            5..=7 => format!("+1 (555) {}-{}", digits(rng, 3), digits(rng, 4)),
            _ => format!("001 555 {} {}", digits(rng, 3), digits(rng, 4)),
        },
        1 => match style {
            0..=6 => format!("+44 20 {} {}", digits(rng, 4), digits(rng, 4)),
            _ => format!("0044-20-{}-{}", digits(rng, 4), digits(rng, 4)),
        },
        2 => format!("+49-30-{}", digits(rng, 8)),
        3 => format!("+372 {} {}", digits(rng, 4), digits(rng, 4)),
        4 => format!(
            "+33 1 {} {} {} {}",
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2)
        ),
        _ => match style {
            0..=7 => format!("+81-3-{}-{}", digits(rng, 4), digits(rng, 4)),
            _ => format!("(+81) 3 {} {}", digits(rng, 4), digits(rng, 4)),
        },
    }
}

/// Rows between two moves of a progress bar.
const BAR_STEP: u64 = 65_536;

/// Write rows `1..=count` with `row`, moving `bar` every `step` rows and to `count` at the end;
/// the rows written.
fn each_row(
    count: u64,
    step: u64,
    bar: &ProgressBar,
    mut row: impl FnMut(u64) -> csv::Result<()>,
) -> csv::Result<u64> {
    for id in 1..=count {
        row(id)?;
        if id.is_multiple_of(step) {
            bar.set_position(id);
        }
    }
    bar.set_position(count);
    Ok(count)
}

#[derive(Debug, Clone)]
struct Generator {
    scale: Scale,
    seed: u64,
    fleet: WeightedIndex<u32>,
    cities: WeightedIndex<u32>,
    first_day: NaiveDate,
    days: i64,
    /// The loads, when writing daily batches.
    batches: Option<std::sync::Arc<batches::Batches>>,
}

/// What an order needs to know about its trip.
#[derive(Debug)]
struct Trip {
    origin: usize,
    destination: usize,
    aeroplane_id: u64,
    start: NaiveDateTime,
    end: NaiveDateTime,
    minutes: i64,
}

/// A customer row, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Customer {
    first: &'static str,
    last: &'static str,
    group: String,
    email: String,
    phone: String,
}

impl Customer {
    fn write(&self, id: u64, w: &mut CsvWriter) -> csv::Result<()> {
        w.write_record([
            id.to_string().as_str(),
            &format!("{} {}", self.first, self.last),
            &self.group,
            &self.email,
            &self.phone,
        ])
    }
}

/// An order row, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Order {
    customer: u64,
    trip_id: u64,
    price: u64,
    seat: String,
    status: &'static str,
}

impl Order {
    fn write(&self, id: u64, w: &mut CsvWriter) -> csv::Result<()> {
        w.write_record([
            id.to_string().as_str(),
            &self.customer.to_string(),
            &self.trip_id.to_string(),
            &self.price.to_string(),
            &self.seat,
            self.status,
        ])
    }
}

/// A customer's group: none, one that does not exist, or a real one (the first ones are the
/// biggest).
fn customer_group(rng: &mut SmallRng, groups: u64) -> String {
    match rng.random_range(0..1000) {
        0..220 => String::new(),                                     // no group
        220..250 => (groups + rng.random_range(1..=50)).to_string(), // points at a missing group
        _ => (1 + (groups as f64 * rng.random::<f64>().powi(2)) as u64)
            .min(groups)
            .to_string(),
    }
}

/// A customer's email, sometimes missing, mixed case or padded.
fn customer_email(rng: &mut SmallRng, first: &str, last: &str, id: u64) -> String {
    match rng.random_range(0..1000) {
        0..60 => String::new(),
        roll => {
            let mut email = format!(
                "{}.{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                if rng.random_bool(0.5) {
                    (id % 1000).to_string()
                } else {
                    String::new()
                },
                DOMAINS[rng.random_range(0..DOMAINS.len())]
            );
            if roll < 80 {
                email = format!("{first}.{last}@{}", DOMAINS[0]); // mixed case
            }
            if roll % 3 == 0 {
                // padded to a fixed width, as in the original export
                email = format!("{email:<28}");
            }
            email
        }
    }
}

/// A customer's phone number, sometimes missing.
fn customer_phone(rng: &mut SmallRng) -> String {
    if rng.random_range(0..100) < 9 {
        String::new()
    } else {
        phone(rng)
    }
}

impl Generator {
    fn new(scale: Scale, seed: u64, last_day: NaiveDate) -> Self {
        const DAYS: i64 = 730;
        let fleet =
            WeightedIndex::new(MODELS.iter().map(|m| m.fleet_weight)).expect("static weights");
        let cities = WeightedIndex::new(CITIES.iter().map(|c| c.weight)).expect("static weights");
        Generator {
            scale,
            seed,
            fleet,
            cities,
            first_day: last_day - Duration::days(DAYS - 1),
            days: DAYS,
            batches: None,
        }
    }

    fn customer_groups(&self, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        each_row(self.scale.customer_groups, 4096, bar, |id| {
            let mut rng = row_rng(self.seed, SALT_GROUP, id);
            let word = GROUP_WORDS[rng.random_range(0..GROUP_WORDS.len())];
            let (kind, name, registry) = match rng.random_range(0..100) {
                0..60 => (
                    "Company",
                    format!(
                        "{word}{} {id}",
                        GROUP_SUFFIXES[rng.random_range(0..GROUP_SUFFIXES.len())]
                    ),
                    rng.random_range(1_000_000u64..9_999_999_999).to_string(),
                ),
                60..85 => (
                    "Private Group",
                    format!(
                        "{}'s friends {id}",
                        FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())]
                    ),
                    String::new(),
                ),
                _ => (
                    "Organisation",
                    format!(
                        "Non-profit for {} {id}",
                        CAUSES[rng.random_range(0..CAUSES.len())]
                    ),
                    format!("AT{}", rng.random_range(100_000u32..999_999)),
                ),
            };
            w.write_record([id.to_string().as_str(), kind, &name, &registry])
        })
    }

    /// Customer `id` as first delivered.
    fn customer(&self, id: u64) -> Customer {
        let mut rng = row_rng(self.seed, SALT_CUSTOMER, id);
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let group = customer_group(&mut rng, self.scale.customer_groups);
        let email = customer_email(&mut rng, first, last, id);
        let phone = customer_phone(&mut rng);
        Customer {
            first,
            last,
            group,
            email,
            phone,
        }
    }

    fn customers(&self, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        each_row(self.scale.customers, BAR_STEP, bar, |id| {
            self.customer(id).write(id, w)
        })
    }

    /// Catalogue index of an aeroplane's model, or `None` for a model absent from the catalogue.
    fn aeroplane_model(&self, id: u64) -> Result<usize, usize> {
        let mut rng = row_rng(self.seed, SALT_AEROPLANE, id);
        if rng.random_range(0..100) < 3 {
            Err(rng.random_range(0..UNKNOWN_MODELS.len()))
        } else {
            Ok(self.fleet.sample(&mut rng))
        }
    }

    fn aeroplanes(&self, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        each_row(self.scale.aeroplanes, BAR_STEP, bar, |id| {
            let (manufacturer, model) = match self.aeroplane_model(id) {
                Ok(i) => (MODELS[i].manufacturer, MODELS[i].model),
                Err(i) => UNKNOWN_MODELS[i],
            };
            w.write_record([id.to_string().as_str(), model, manufacturer])
        })
    }

    fn trip(&self, id: u64) -> Trip {
        let mut rng = row_rng(self.seed, SALT_TRIP, id);
        let origin = self.cities.sample(&mut rng);
        let mut destination = self.cities.sample(&mut rng);
        while destination == origin {
            destination = self.cities.sample(&mut rng);
        }
        let aeroplane_id = rng.random_range(1..=self.scale.aeroplanes);
        // A trip announced in a daily batch departs in the days after it; others in two years.
        let (first_day, days) = self
            .batches
            .as_ref()
            .and_then(|b| b.trip_days(id))
            .unwrap_or((self.first_day, self.days));
        // Seasonality: accept a day with a probability that peaks in July and on Fridays.
        let day = loop {
            let day = first_day + Duration::days(rng.random_range(0..days));
            let season =
                (2.0 * std::f64::consts::PI * (day.ordinal() as f64 - 196.0) / 365.0).cos();
            let weekday = if day.weekday().num_days_from_monday() == 4 {
                0.15
            } else {
                0.0
            };
            if rng.random::<f64>() < (0.65 + 0.3 * season + weekday) / 1.1 {
                break day;
            }
        };
        let start = day
            .and_hms_opt(rng.random_range(5..24), 5 * rng.random_range(0..12), 0)
            .expect("valid time");
        let km = catalogue::distance_km(&CITIES[origin], &CITIES[destination]);
        let minutes = (30.0 + km / 820.0 * 60.0).round() as i64 / 5 * 5;
        let end = if rng.random_range(0..1000) < 12 {
            start - Duration::minutes(minutes) // a trip that ends before it starts
        } else {
            start + Duration::minutes(minutes)
        };
        Trip {
            origin,
            destination,
            aeroplane_id,
            start,
            end,
            minutes,
        }
    }

    fn write_trip(&self, id: u64, w: &mut CsvWriter) -> csv::Result<()> {
        let trip = self.trip(id);
        w.write_record([
            id.to_string().as_str(),
            CITIES[trip.origin].name,
            CITIES[trip.destination].name,
            &trip.aeroplane_id.to_string(),
            &trip.start.format(raw::TIMESTAMP_FORMAT).to_string(),
            &trip.end.format(raw::TIMESTAMP_FORMAT).to_string(),
        ])
    }

    fn trips(&self, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        each_row(self.scale.trips, BAR_STEP, bar, |id| self.write_trip(id, w))
    }

    /// Order `id` as first delivered. With daily batches, the customers and trips it may book
    /// are those delivered by its load, and its batch plan may pick its trip, customer and
    /// status.
    fn order(&self, id: u64) -> Order {
        let mut rng = row_rng(self.seed, SALT_ORDER, id);
        let (customers, trips, plan) = match &self.batches {
            None => (self.scale.customers, self.scale.trips, None),
            Some(b) => {
                let (customers, trips) = b.known_to_order(id);
                (customers, trips, Some(b.order_plan(self.seed, id)))
            }
        };
        // Power law: the most loyal 1% of customers place about a fifth of the orders.
        let mut customer =
            (1 + ((customers as f64) * rng.random::<f64>().powi(3)) as u64).min(customers);
        let mut trip_id = rng.random_range(1..=trips);
        if let Some(plan) = &plan {
            customer = plan.customer.unwrap_or(customer);
            trip_id = plan.trip.unwrap_or(trip_id);
        }
        let trip = self.trip(trip_id);
        let seats = match self.aeroplane_model(trip.aeroplane_id) {
            Ok(i) => MODELS[i].max_seats,
            Err(_) => 180,
        };
        let price =
            (40.0 + trip.minutes as f64 * rng.random_range(1.2..2.6)).round() as u64 / 10 * 10;
        let seat = format!(
            "{}{}",
            rng.random_range(1..=(seats / 6).max(1)),
            char::from(b'A' + rng.random_range(0..6u8))
        );
        let status = match rng.random_range(0..1000) {
            0..8 => "finished",
            8..720 => "Finished",
            720..900 => "Booked",
            _ => "Cancelled",
        };
        Order {
            customer,
            trip_id,
            price,
            seat,
            status: plan.and_then(|p| p.status).unwrap_or(status),
        }
    }

    fn orders(&self, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        each_row(self.scale.orders, BAR_STEP, bar, |id| {
            self.order(id).write(id, w)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_the_documented_ratios() {
        let s = Scale::for_orders(10_000_000);
        assert_eq!(
            (s.trips, s.customers, s.customer_groups, s.aeroplanes),
            (500_000, 1_000_000, 25_000, 333)
        );
        let tiny = Scale::for_orders(1);
        assert_eq!(
            (tiny.orders, tiny.trips, tiny.customers, tiny.aeroplanes),
            (1, 20, 20, 10)
        );
    }

    #[test]
    fn trips_are_a_function_of_seed_and_id() {
        let g = Generator::new(
            Scale::for_orders(1000),
            7,
            NaiveDate::from_ymd_opt(2024, 12, 30).expect("date"),
        );
        let (a, b) = (g.trip(5), g.trip(5));
        assert_eq!(
            (a.origin, a.destination, a.start, a.end),
            (b.origin, b.destination, b.start, b.end)
        );
        assert_ne!(a.origin, a.destination);
    }
}
