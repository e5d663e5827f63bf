-- Issue 14: a safeguarding lead extends a grant (alerted like a creation), and lists the grants she gave.
alter table alerts drop constraint if exists alerts_kind_check;
alter table alerts add constraint alerts_kind_check check (kind in ('break-glass', 'self-claim', 'grant', 'grant-extend', 'grant-revoke', 'monitoring'));

create index grants_granted_by on grants (granted_by, granted_at desc);
