//! The connection thread: group commit keeps what succeeds, and a transaction left open does
//! not block the next job.

use super::*;

/// Polled once, a call has put its work in the queue (and waits for the answer).
fn enqueue_now<F: std::future::Future>(f: std::pin::Pin<&mut F>) {
    let _ = f.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
}

/// A writer on a fresh file with one table `t (n INTEGER)`.
fn writer(dir: &tempfile::TempDir) -> ConnectionThread {
    let conn = open_connection(&dir.path().join("t.sqlite3")).expect("open");
    conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER)")
        .expect("schema");
    ConnectionThread::spawn("test-writer", conn).expect("thread")
}

/// The numbers stored in `t`, in order.
async fn stored(writer: &ConnectionThread) -> Vec<i32> {
    writer
        .run(|c| {
            let mut s = c.prepare("SELECT n FROM t ORDER BY n").map_err(sql_error)?;
            let rows = s.query_map([], |r| r.get(0)).map_err(sql_error)?;
            rows.collect::<Result<_, _>>().map_err(sql_error)
        })
        .await
        .expect("read")
}

/// Joined work queued behind a busy writer shares one commit; a failing or panicking unit
/// loses only its own writes, and every caller gets its own answer.
#[tokio::test]
async fn a_batch_keeps_the_units_that_succeed_and_answers_each() {
    let dir = tempfile::tempdir().expect("tmp");
    let writer = writer(&dir);
    // Holds the thread while the joined work queues up behind it.
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let mut busy = Box::pin(writer.run(move |_| {
        let _ = held.recv();
        Ok(())
    }));
    enqueue_now(busy.as_mut());
    let mut units: Vec<_> = (0..10)
        .map(|n: i32| {
            Box::pin(writer.run_joined(move |c| {
                c.execute("INSERT INTO t (n) VALUES (?1)", [n])
                    .map_err(sql_error)?;
                match n {
                    3 => Err(StoreError::Unavailable("unit 3 fails".into())),
                    7 => panic!("unit 7 panics"),
                    _ => Ok(n * 10),
                }
            }))
        })
        .collect();
    for unit in &mut units {
        enqueue_now(unit.as_mut());
    }
    hold.send(()).expect("release");
    busy.await.expect("busy job");
    let mut answers = Vec::new();
    for unit in units {
        answers.push(unit.await);
    }
    for (n, answer) in answers.iter().enumerate() {
        match n {
            3 | 7 => assert!(answer.is_err(), "unit {n}: {answer:?}"),
            _ => assert_eq!(answer.as_ref().ok(), Some(&(n as i32 * 10))),
        }
    }
    let stored = stored(&writer).await;
    assert_eq!(stored, vec![0, 1, 2, 4, 5, 6, 8, 9]);
}

/// A job that leaves its transaction open (as a COMMIT that failed on a full disk does)
/// does not block the writer: the next job starts clean and its write is kept.
#[tokio::test]
async fn a_transaction_left_open_by_one_job_does_not_block_the_next() {
    let dir = tempfile::tempdir().expect("tmp");
    let writer = writer(&dir);
    writer
        .run(|c| {
            c.execute_batch("BEGIN IMMEDIATE; INSERT INTO t (n) VALUES (1)")
                .map_err(sql_error)
        })
        .await
        .expect("left open");
    writer
        .run_joined(|c| {
            c.execute("INSERT INTO t (n) VALUES (2)", [])
                .map_err(sql_error)
        })
        .await
        .expect("the next write commits");
    let stored = stored(&writer).await;
    assert_eq!(
        stored,
        vec![2],
        "the unfinished write is rolled back, the next kept"
    );
}
