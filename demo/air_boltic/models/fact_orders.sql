-- One row per order, with the route of its trip.
-- Incremental (models/schema.yml): a run over new loads rebuilds only the orders that changed
-- and those whose trip changed, and upserts them by order_id; a full run builds every order
-- (`changed.orders` is then the whole table, and the orders of changed trips are left out).
with picked as (
    select order_id, customer_id, trip_id, price_eur, seat_no, status
    from changed.orders
    union all
    select o.order_id, o.customer_id, o.trip_id, o.price_eur, o.seat_no, o.status
    from orders o
    join changed.trips c on c.trip_id = o.trip_id
    where is_incremental()
        and o.order_id not in (select order_id from changed.orders)
)
select
    o.order_id,
    o.customer_id,
    o.trip_id,
    t.origin_city,
    t.destination_city,
    o.price_eur,
    o.seat_no,
    o.status
from picked o
left join trips t on t.trip_id = o.trip_id
