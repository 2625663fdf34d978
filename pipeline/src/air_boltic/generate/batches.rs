//! Daily batches: the raw tables as an initial load plus `D` daily loads, each table's load in
//! its own hive-style folder `<table>/load_date=<YYYY-MM-DD>/<file>`, in the original formats.
//!
//! - The initial load is on `last_day - D` days, batch `i` on the `i`-th day after it (the last
//!   one on `last_day`). It holds every customer group, every aeroplane and the model catalogue,
//!   and the first customers, trips and orders; each batch adds about 1% of each (ids
//!   continue), so that once every load is read the tables have the counts of
//!   [`Scale::for_orders`].
//! - Trips announced in a batch depart within the 30 days after it (so they may lie after
//!   `last_day`). About 70% of a batch's new orders book such trips and are mostly `Booked`; the
//!   others book an earlier trip with the status mix of the initial load.
//! - About 1% of the orders (of all of them) change status in each batch: an order first
//!   delivered as `Booked` is delivered again, the whole row with only its status changed, as
//!   `Finished` or `Cancelled`, at most once, in the load's `order-status.csv` (new orders are
//!   in its `order.csv`). Orders settle in the order they were booked: the initial load's
//!   newest orders are split into one window of consecutive ids per batch, oldest first, and
//!   about half of a window's orders settle in its batch. So a day's status changes are
//!   neighbours in id order, as the orders of a day's trips would be, and a warehouse that keeps
//!   orders in id order rewrites few files for them. Orders of the batches do not change.
//! - About 0.5% of the customers change in each batch (email, phone or customer group), the
//!   whole row re-sent; a customer may change in several batches.
//! - A batch's new orders book trips and customers delivered by that batch, except about one in
//!   a thousand (at least one per batch), which arrive late: they book a trip (and sometimes a
//!   customer) first delivered in the next batch.
//! - With two batches or more, batch `r = D / 2`'s `order.csv` is delivered again, byte for byte,
//!   in batch `r + 1`'s folder as `order-resent-<date of r>.csv`.
//!
//! Nothing is remembered per row: which load first delivers a row is a function of its id, and
//! an order's or a customer's history is drawn from generators seeded by the seed, the id (and
//! the batch), so every load streams like the flat files. Each batch scans the ids delivered
//! before it with one cheap draw each to find the rows that change.

use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use indicatif::ProgressBar;
use object_store::ObjectStoreExt;
use rand::Rng;
use rand::rngs::SmallRng;

use super::loads::load_folder;
use super::{
    CsvWriter, Customer, GenerateSummary, GeneratedFile, Generator, Scale, customer_email,
    customer_group, customer_phone, row_rng, write_csv,
};
use crate::air_boltic::catalogue::{MODELS, raw};
use crate::air_boltic::catalogue_file::catalogue_json;
use crate::error::{PipelineError, Result};
use crate::extract::reader::RawFile;
use crate::location::Location;
use crate::progress::Progress;

/// The most daily batches [`super::generate_loads`] writes (ten years).
pub const MAX_BATCHES: u32 = 3650;

/// Days after its batch within which an announced trip departs.
const AHEAD_DAYS: i64 = 30;
/// Each batch adds one in this many of a table's rows.
const NEW_ONE_IN: u64 = 100;
/// Share of all orders whose status changes in each batch.
const ORDER_CHANGES: f64 = 0.01;
/// Share of a batch's window of orders that settles in it (see [`Batches::order_change`]).
const WINDOW_SETTLES: f64 = 0.5;
/// Share of all customers who change in each batch.
const CUSTOMER_CHANGES: f64 = 0.005;
/// At most this share of a window's orders settles (many batches at a small scale would
/// otherwise ask for more changes than there are orders).
const CHANGE_CAP: f64 = 0.9;
/// One in this many of a batch's new orders arrives late.
const LATE_ONE_IN: u32 = 1000;
/// Percent of a batch's new orders that book a trip announced in a batch.
const AHEAD_PERCENT: u32 = 70;

const SALT_ORDER_HISTORY: u64 = 0xD6E8_FEB8_6659_FD93;
const SALT_CUSTOMER_CHANGE: u64 = 0xA076_1D64_78BD_642F;
const SALT_LATE_ORDER: u64 = 0xE703_7ED1_A0B4_28DB;
const SALT_CHANGED_CUSTOMER: u64 = 0x8EBC_6AF0_9C88_C6E3;

/// `salt` for the draws of one batch.
fn batch_salt(salt: u64, batch: u64) -> u64 {
    salt ^ batch.wrapping_mul(0xFF51_AFD7_ED55_8CCD).rotate_left(17)
}

/// How a table's ids spread over the loads: the first `initial` in the initial load, then
/// `per_batch` in each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Split {
    initial: u64,
    per_batch: u64,
}

impl Split {
    /// `total` rows over an initial load and `batches` batches of about 1% each.
    fn new(total: u64, batches: u64) -> Self {
        let per_batch = (total / NEW_ONE_IN).max(1).min(total / (batches + 1));
        Split {
            initial: total - batches * per_batch,
            per_batch,
        }
    }

    /// Rows delivered by the end of `load` (0: the initial load).
    fn known(&self, load: u64) -> u64 {
        self.initial + load * self.per_batch
    }

    /// The load that first delivers `id`.
    fn load_of(&self, id: u64) -> u64 {
        if id <= self.initial || self.per_batch == 0 {
            0
        } else {
            1 + (id - self.initial - 1) / self.per_batch
        }
    }

    /// The ids `load` first delivers.
    fn ids(&self, load: u64) -> RangeInclusive<u64> {
        match load {
            0 => 1..=self.initial,
            _ => self.known(load - 1) + 1..=self.known(load),
        }
    }
}

/// The plan of the loads: which load delivers which ids, and the chances of change per batch.
#[derive(Debug)]
pub(super) struct Batches {
    /// Batches after the initial load.
    count: u64,
    /// The day of the initial load.
    day0: NaiveDate,
    orders: Split,
    trips: Split,
    customers: Split,
    /// Orders settle in windows of this many consecutive ids of the initial load, batch `c`'s
    /// window ending `(count - c) * window` ids before its last order.
    window: u64,
    /// The chance that an order of a window settles in its batch.
    settles: f64,
    /// `customer_changes[c]`: the chance that a customer delivered before batch `c` changes in
    /// it.
    customer_changes: Vec<f64>,
    /// Per batch, an order that surely arrives late (0: none), so that every batch but the last
    /// has one.
    late_orders: Vec<u64>,
    /// Per batch, a customer who surely changes (0: none).
    changed_customers: Vec<u64>,
}

/// What the batch plan decides about an order, over the flat generator's draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrderPlan {
    /// The customer, when it is a late one.
    pub(super) customer: Option<u64>,
    /// The trip, when it is an announced or a late one.
    pub(super) trip: Option<u64>,
    /// The status of the first delivery, when not the flat mix.
    pub(super) status: Option<&'static str>,
}

/// The index of `load` in the per-batch tables.
fn at(load: u64) -> usize {
    usize::try_from(load).expect("at most MAX_BATCHES loads")
}

/// The id at fraction `pick` (in `[0, 1)`) of the non-empty `ids`.
fn pick(ids: RangeInclusive<u64>, pick: f64) -> u64 {
    let (first, last) = ids.into_inner();
    (first + ((last - first + 1) as f64 * pick) as u64).min(last)
}

impl Batches {
    fn new(scale: Scale, seed: u64, day0: NaiveDate, count: u64) -> Self {
        let orders = Split::new(scale.orders, count);
        let trips = Split::new(scale.trips, count);
        let customers = Split::new(scale.customers, count);
        let wanted = scale.orders as f64 * ORDER_CHANGES;
        let window = (orders.initial / count.max(1))
            .min((wanted / WINDOW_SETTLES).ceil() as u64)
            .max(1);
        let settles = (wanted / window as f64).min(CHANGE_CAP);
        let mut customer_changes = vec![0.0; at(count) + 1];
        let mut late_orders = vec![0; at(count) + 1];
        let mut changed_customers = vec![0; at(count) + 1];
        for c in 1..=count {
            let i = at(c);
            let pool = customers.known(c - 1);
            customer_changes[i] =
                (scale.customers as f64 * CUSTOMER_CHANGES / pool as f64).min(1.0);
            changed_customers[i] =
                1 + row_rng(seed, SALT_CHANGED_CUSTOMER, c).random_range(0..pool);
            let can_be_late = trips.per_batch > 0 || customers.per_batch > 0;
            if c < count && orders.per_batch > 0 && can_be_late {
                late_orders[i] = orders.known(c - 1)
                    + 1
                    + row_rng(seed, SALT_LATE_ORDER, c).random_range(0..orders.per_batch);
            }
        }
        Batches {
            count,
            day0,
            orders,
            trips,
            customers,
            window,
            settles,
            customer_changes,
            late_orders,
            changed_customers,
        }
    }

    /// The day of `load` (0: the initial load).
    fn date(&self, load: u64) -> NaiveDate {
        self.day0 + Days::new(load)
    }

    /// The days trip `id` may depart on, when a batch announces it: from the day after its
    /// batch, for [`AHEAD_DAYS`].
    pub(super) fn trip_days(&self, id: u64) -> Option<(NaiveDate, i64)> {
        let load = self.trips.load_of(id);
        (load > 0).then(|| (self.date(load + 1), AHEAD_DAYS))
    }

    /// The customers and trips delivered by the load of order `id`.
    pub(super) fn known_to_order(&self, id: u64) -> (u64, u64) {
        let load = self.orders.load_of(id);
        (self.customers.known(load), self.trips.known(load))
    }

    /// The batch in which order `id` changes status, and its new status: the first two draws
    /// of the order's history decide whether it settles and how. An order of the initial load's
    /// last `count * window` ids is in batch `c`'s window when it lies `(count - c) * window`
    /// to `(count - c + 1) * window - 1` ids before the initial load's last order.
    fn draw_change(&self, rng: &mut SmallRng, id: u64) -> Option<(u64, &'static str)> {
        let u: f64 = rng.random();
        let status = if rng.random_range(0..100) < 80 {
            "Finished"
        } else {
            "Cancelled"
        };
        let last = self.orders.initial;
        let back = last.checked_sub(id)? / self.window;
        (back < self.count && u < self.settles).then(|| (self.count - back, status))
    }

    /// The batch in which order `id` changes status and its new status, if it ever does.
    pub(super) fn order_change(&self, seed: u64, id: u64) -> Option<(u64, &'static str)> {
        let mut rng = row_rng(seed, SALT_ORDER_HISTORY, id);
        self.draw_change(&mut rng, id)
    }

    /// Order `id`'s plan: its first status when it changes later (`Booked`) and, for an order of
    /// a batch, an announced or a late trip (and customer).
    pub(super) fn order_plan(&self, seed: u64, id: u64) -> OrderPlan {
        let load = self.orders.load_of(id);
        let mut rng = row_rng(seed, SALT_ORDER_HISTORY, id);
        let change = self.draw_change(&mut rng, id);
        let late = rng.random_range(0..LATE_ONE_IN) == 0 || self.late_orders[at(load)] == id;
        let announced = rng.random_range(0..100) < AHEAD_PERCENT;
        let trip_at: f64 = rng.random();
        let late_customer = rng.random_range(0..3) == 0;
        let customer_at: f64 = rng.random();
        let cancelled = rng.random_range(0..100) < 10;

        let mut plan = OrderPlan {
            customer: None,
            trip: None,
            status: change.map(|_| "Booked"),
        };
        if load == 0 {
            return plan;
        }
        if late && load < self.count {
            let trips = self.trips.ids(load + 1);
            let customers = self.customers.ids(load + 1);
            let late_trip = !trips.is_empty();
            if late_trip {
                plan.trip = Some(pick(trips, trip_at));
            }
            if !customers.is_empty() && (late_customer || !late_trip) {
                plan.customer = Some(pick(customers, customer_at));
            }
        } else if announced && self.trips.known(load) > self.trips.initial {
            plan.trip = Some(pick(
                self.trips.initial + 1..=self.trips.known(load),
                trip_at,
            ));
        }
        if plan.status.is_none() && plan.trip.is_some() {
            plan.status = Some(if cancelled { "Cancelled" } else { "Booked" });
        }
        plan
    }

    /// The generator of customer `id`'s change in `batch`, when it changes then.
    fn customer_change(&self, seed: u64, id: u64, batch: u64) -> Option<SmallRng> {
        if self.customers.load_of(id) >= batch {
            return None;
        }
        let mut rng = row_rng(seed, batch_salt(SALT_CUSTOMER_CHANGE, batch), id);
        let changes = rng.random::<f64>() < self.customer_changes[at(batch)]
            || self.changed_customers[at(batch)] == id;
        changes.then_some(rng)
    }
}

/// Change one of `customer`'s email, phone or group to a new value.
fn change_customer(customer: &mut Customer, rng: &mut SmallRng, id: u64, groups: u64) {
    let before = customer.clone();
    while *customer == before {
        match rng.random_range(0..3) {
            0 => customer.email = customer_email(rng, customer.first, customer.last, id),
            1 => customer.phone = customer_phone(rng),
            _ => customer.group = customer_group(rng, groups),
        }
    }
}

/// Counts rows and moves a progress bar now and then.
struct Tally<'a> {
    bar: &'a ProgressBar,
    rows: u64,
}

impl<'a> Tally<'a> {
    const STEP: u64 = 4096;

    fn new(bar: &'a ProgressBar) -> Self {
        Tally { bar, rows: 0 }
    }

    fn add(&mut self) {
        self.rows += 1;
        if self.rows.is_multiple_of(Self::STEP) {
            self.bar.inc(Self::STEP);
        }
    }

    fn done(self) -> u64 {
        self.bar.inc(self.rows % Self::STEP);
        self.rows
    }
}

impl Generator {
    fn plan(&self) -> &Batches {
        self.batches.as_deref().expect("a generator for batches")
    }

    /// Customer `id` as delivered in `batch`: first delivered, then changed by every batch up to
    /// `batch` that changes it.
    fn customer_in(&self, id: u64, batch: u64) -> Customer {
        let plan = self.plan();
        let mut customer = self.customer(id);
        for c in plan.customers.load_of(id) + 1..=batch {
            if let Some(mut rng) = plan.customer_change(self.seed, id, c) {
                change_customer(&mut customer, &mut rng, id, self.scale.customer_groups);
            }
        }
        customer
    }

    /// `customer.csv` of `load`: the customers changed in it, then the new ones.
    fn customer_load(&self, load: u64, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        let plan = self.plan();
        let mut tally = Tally::new(bar);
        if load > 0 {
            for id in 1..=plan.customers.known(load - 1) {
                if plan.customer_change(self.seed, id, load).is_some() {
                    self.customer_in(id, load).write(id, w)?;
                    tally.add();
                }
            }
        }
        for id in plan.customers.ids(load) {
            self.customer(id).write(id, w)?;
            tally.add();
        }
        Ok(tally.done())
    }

    /// `trip.csv` of `load`: the trips it announces.
    fn trip_load(&self, load: u64, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        let mut tally = Tally::new(bar);
        for id in self.plan().trips.ids(load) {
            self.write_trip(id, w)?;
            tally.add();
        }
        Ok(tally.done())
    }

    /// `order-status.csv` of batch `load`: the orders whose status changes in it (its window).
    fn order_status_load(
        &self,
        load: u64,
        w: &mut CsvWriter,
        bar: &ProgressBar,
    ) -> csv::Result<u64> {
        let plan = self.plan();
        let mut tally = Tally::new(bar);
        let last = plan.orders.initial;
        let back = plan.count - load;
        let first = last.saturating_sub((back + 1) * plan.window) + 1;
        for id in first..=last.saturating_sub(back * plan.window) {
            if let Some((batch, status)) = plan.order_change(self.seed, id)
                && batch == load
            {
                let mut order = self.order(id);
                order.status = status;
                order.write(id, w)?;
                tally.add();
            }
        }
        Ok(tally.done())
    }

    /// `order.csv` of `load`: the orders it delivers first.
    fn order_load(&self, load: u64, w: &mut CsvWriter, bar: &ProgressBar) -> csv::Result<u64> {
        let plan = self.plan();
        let mut tally = Tally::new(bar);
        for id in plan.orders.ids(load) {
            self.order(id).write(id, w)?;
            tally.add();
        }
        Ok(tally.done())
    }
}

/// The file of a batch's orders whose status changed, beside its `order.csv`.
pub const ORDER_STATUS_FILE: &str = "order-status.csv";

/// The path of raw `file` in its table's load folder of `date`.
fn load_path(file: &str, date: NaiveDate) -> String {
    let table = file.split('.').next().unwrap_or(file);
    format!("{table}/{}/{file}", load_folder(date))
}

/// The refusal of an impossible batch count or day.
fn invalid(message: String) -> PipelineError {
    PipelineError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        message,
    ))
}

/// Progress bars: one per table over all loads.
struct Bars {
    groups: ProgressBar,
    aeroplanes: ProgressBar,
    customers: ProgressBar,
    trips: ProgressBar,
    orders: ProgressBar,
}

/// Write `load`'s CSV files, side by side; what was written.
async fn write_load(
    out: &Location,
    generator: &Generator,
    load: u64,
    bars: &Bars,
) -> Result<Vec<GeneratedFile>> {
    type Fill = fn(&Generator, u64, &mut CsvWriter, &ProgressBar) -> csv::Result<u64>;
    let date = generator.plan().date(load);
    let mut tables: Vec<(String, RawFile, &ProgressBar, Fill)> = Vec::new();
    let mut add = |file: RawFile, bar, fill: Fill| {
        tables.push((load_path(file.0, date), file, bar, fill));
    };
    if load == 0 {
        add(raw::CUSTOMER_GROUP, &bars.groups, |g, _, w, bar| {
            g.customer_groups(w, bar)
        });
        add(raw::AEROPLANE, &bars.aeroplanes, |g, _, w, bar| {
            g.aeroplanes(w, bar)
        });
    }
    add(raw::CUSTOMER, &bars.customers, Generator::customer_load);
    add(raw::TRIP, &bars.trips, Generator::trip_load);
    add(raw::ORDER, &bars.orders, Generator::order_load);
    if load > 0 {
        tables.push((
            format!("order/{}/{ORDER_STATUS_FILE}", load_folder(date)),
            raw::ORDER,
            &bars.orders,
            Generator::order_status_load,
        ));
    }

    let writes = tables.into_iter().map(|(path, (_, header), bar, fill)| {
        let g = generator.clone();
        async move {
            let (bytes, rows) = write_csv(out, &path, header, bar.clone(), move |w, bar| {
                fill(&g, load, w, bar)
            })
            .await?;
            Ok::<_, PipelineError>(GeneratedFile {
                path,
                load_date: Some(date),
                bytes,
                rows,
            })
        }
    });
    futures::future::try_join_all(writes).await
}

/// [`super::generate_loads`] with at least one batch.
pub(super) async fn generate_batches(
    out: &Location,
    orders: u64,
    seed: u64,
    last_day: NaiveDate,
    batches: u32,
    progress: &Progress,
) -> Result<GenerateSummary> {
    if batches > MAX_BATCHES {
        return Err(invalid(format!(
            "'{batches}' daily batches are too many; ask for at most {MAX_BATCHES}"
        )));
    }
    let count = u64::from(batches);
    let day0 = last_day.checked_sub_days(Days::new(count)).ok_or_else(|| {
        invalid(format!(
            "the initial load would be {count} days before last day '{last_day}', before the \
             calendar starts; choose a later last day"
        ))
    })?;
    let scale = Scale::for_orders(orders);
    let plan = Arc::new(Batches::new(scale, seed, day0, count));
    let mut generator = Generator::new(scale, seed, last_day);
    generator.batches = Some(Arc::clone(&plan));

    let catalogue = catalogue_json()?;
    let catalogue_path = load_path(raw::MODEL_CATALOGUE, day0);
    out.write(&catalogue_path, catalogue.clone()).await?;
    let mut files = vec![GeneratedFile {
        path: catalogue_path,
        load_date: Some(day0),
        bytes: catalogue.len() as u64,
        rows: MODELS.len() as u64,
    }];

    let bars = Bars {
        groups: progress.rows(raw::CUSTOMER_GROUP.0, Some(scale.customer_groups)),
        aeroplanes: progress.rows(raw::AEROPLANE.0, Some(scale.aeroplanes)),
        customers: progress.rows(raw::CUSTOMER.0, None),
        trips: progress.rows(raw::TRIP.0, None),
        orders: progress.rows(raw::ORDER.0, None),
    };
    let resent = (count >= 2).then_some(count / 2);
    for load in 0..=count {
        files.extend(write_load(out, &generator, load, &bars).await?);
        if load == 0 {
            bars.groups.finish();
            bars.aeroplanes.finish();
        }
        if let Some(r) = resent
            && load == r + 1
        {
            // The order file of batch r, delivered again by batch r + 1.
            let original = load_path(raw::ORDER.0, plan.date(r));
            let copy = format!(
                "order/{}/order-resent-{}.csv",
                load_folder(plan.date(load)),
                plan.date(r)
            );
            out.store()
                .copy(&out.path(&original), &out.path(&copy))
                .await?;
            let of = files
                .iter()
                .find(|f| f.path == original)
                .expect("batch r's order file was written");
            files.push(GeneratedFile {
                path: copy,
                load_date: Some(plan.date(load)),
                bytes: of.bytes,
                rows: of.rows,
            });
        }
    }
    for bar in [&bars.customers, &bars.trips, &bars.orders] {
        bar.finish();
    }
    files.sort_by(|a, b| (a.load_date, &a.path).cmp(&(b.load_date, &b.path)));
    Ok(GenerateSummary {
        scale,
        seed,
        batches,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_into_an_initial_load_and_batches_of_one_percent() {
        let s = Split::new(2_000, 4);
        assert_eq!((s.initial, s.per_batch), (1_920, 20));
        assert_eq!(
            (s.ids(0), s.ids(1), s.ids(4)),
            (1..=1_920, 1_921..=1_940, 1_981..=2_000)
        );
        assert_eq!(
            (
                s.load_of(1),
                s.load_of(1_920),
                s.load_of(1_921),
                s.load_of(2_000)
            ),
            (0, 0, 1, 4)
        );
        // Many batches of a small table: at most an equal share each, never more than all.
        let small = Split::new(20, 30);
        assert_eq!((small.initial, small.per_batch), (20, 0));
        assert!(small.ids(3).is_empty());
        assert_eq!(Split::new(1, 1).known(1), 1);
    }

    #[test]
    fn an_order_changes_once_and_only_after_its_first_load() {
        let day0 = NaiveDate::from_ymd_opt(2024, 12, 20).expect("date");
        let plan = Batches::new(Scale::for_orders(20_000), 5, day0, 10);
        let mut per_batch = [0u32; 11];
        let mut span: [Option<(u64, u64)>; 11] = [None; 11];
        for id in 1..=20_000 {
            if let Some((batch, status)) = plan.order_change(5, id) {
                assert!(batch > plan.orders.load_of(id) && batch <= 10, "order {id}");
                assert!(matches!(status, "Finished" | "Cancelled"));
                assert_eq!(plan.order_plan(5, id).status, Some("Booked"));
                per_batch[batch as usize] += 1;
                let s = span[batch as usize].get_or_insert((id, id));
                *s = (s.0.min(id), s.1.max(id));
            }
        }
        // About 1% of 20,000 orders per batch, each batch's in one window of consecutive ids
        // (400 wide, half of them settling), the windows in batch order.
        for (batch, n) in per_batch.iter().enumerate().skip(1) {
            assert!((140..=260).contains(n), "batch {batch}: {n} changes");
            let (first, last) = span[batch].expect("changes");
            assert!(
                last - first < plan.window,
                "batch {batch}: {first}..={last}"
            );
            if batch > 1 {
                assert!(span[batch - 1].expect("changes").1 < first, "batch {batch}");
            }
        }
        assert_eq!((plan.window, plan.settles), (400, 0.5));
    }

    #[test]
    fn many_batches_never_ask_for_more_changes_than_orders() {
        let day0 = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let plan = Batches::new(Scale::for_orders(300), 1, day0, 200);
        assert!(plan.settles <= CHANGE_CAP && plan.window >= 1);
        let changing = (1..=300)
            .filter(|&id| plan.order_change(1, id).is_some())
            .count();
        assert!(changing < 300, "{changing} of 300 orders change");
    }
}
