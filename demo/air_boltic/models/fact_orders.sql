-- One row per order, with the route of its trip.
select
    o.order_id,
    o.customer_id,
    o.trip_id,
    t.origin_city,
    t.destination_city,
    o.price_eur,
    o.seat_no,
    o.status
from orders o
left join trips t on t.trip_id = o.trip_id
-- Incremental (models/schema.yml): a run over new loads rebuilds only the orders that changed
-- and those whose trip changed, and upserts them by order_id; a full run builds every order.
where not is_incremental()
    or o.order_id in (select order_id from changed.orders)
    or o.trip_id in (select trip_id from changed.trips)
