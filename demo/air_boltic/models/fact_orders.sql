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
