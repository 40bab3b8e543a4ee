"""The whole platform on one machine: an embedded AWS-compatible endpoint (moto), the resources of the template
translated from infra/ (hpf.local.sam), every function app behind one port, event sources, schedules and partner
sandboxes."""
