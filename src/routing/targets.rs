//! The routes an alert takes, made into targets: one per robot, whatever number of routes
//! send it there, with their mentions, repeat rules, mute windows and ladders merged; the
//! default robot when none takes it.

use super::{Route, Target, Unmatched};
use crate::domain::alert::Alert;
use crate::domain::mention::Mentions;

/// The robots (with mentions and repeat rules) that `routes` give `alert`; when none takes it
/// and `unmatched` says so, `default_robot` (if configured) with the reason.
pub fn route(
    alert: &Alert,
    routes: &[Route],
    unmatched: Unmatched,
    default_robot: Option<&str>,
) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for r in routes {
        if !r.matches(alert) {
            continue;
        }
        let at = r.at_for(alert);
        // The rotas follow the mention's level rule, as the people do.
        let oncall: &[String] = if r.mentions_apply(alert) {
            &r.mention.oncall
        } else {
            &[]
        };
        for robot in &r.robots {
            let (rule, mute) = (r.repeat.clone(), r.mute.clone());
            let ladder = r.ladder_for(alert, robot);
            match targets.iter_mut().find(|t| t.robot == *robot) {
                Some(t) => {
                    t.escalate.extend(ladder);
                    t.storm_exempt |= r.storm_exempt;
                    merge(&mut t.at, &at);
                    t.reason.push_str(&format!(" + route {}", r.name));
                    t.repeat.push(rule);
                    t.mute.push(mute);
                    for rota in oncall {
                        if !t.oncall.contains(rota) {
                            t.oncall.push(rota.clone());
                        }
                    }
                }
                None => targets.push(Target {
                    robot: robot.clone(),
                    at: at.clone(),
                    reason: format!("route {} ({})", r.name, r.summary),
                    repeat: vec![rule],
                    mute: vec![mute],
                    oncall: oncall.to_vec(),
                    escalate: ladder.into_iter().collect(),
                    storm_exempt: r.storm_exempt,
                }),
            }
        }
        if !r.continue_ {
            break;
        }
    }
    if let (true, Unmatched::Default, Some(default)) =
        (targets.is_empty(), unmatched, default_robot)
    {
        let reason = if routes.is_empty() {
            "no routes configured: default robot"
        } else {
            "no route matched: default robot"
        };
        targets.push(Target {
            robot: default.into(),
            at: Mentions::default(),
            reason: reason.into(),
            repeat: Vec::new(),
            mute: Vec::new(),
            oncall: Vec::new(),
            escalate: Vec::new(),
            storm_exempt: false,
        });
    }
    targets
}

/// Everyone either side mentions, once.
pub fn merge(into: &mut Mentions, other: &Mentions) {
    for m in &other.mobiles {
        if !into.mobiles.contains(m) {
            into.mobiles.push(m.clone());
        }
    }
    for u in &other.user_ids {
        if !into.user_ids.contains(u) {
            into.user_ids.push(u.clone());
        }
    }
    into.all |= other.all;
}
