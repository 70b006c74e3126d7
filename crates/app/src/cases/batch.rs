//! Group commit for case creation: submissions that arrive while a write is
//! in progress are written together in the next transaction, so a burst of
//! cases costs a handful of statements instead of a handful each. A lone
//! submission is written at once, without waiting.

use super::create::OpenItem;
use crate::{App, AppError, AppResult};
use frontdesk_store::cases::CaseRecord;
use tokio::sync::{mpsc, oneshot};

/// At most this many cases per transaction.
const MAX_BATCH: usize = 64;

type Opened = (CaseRecord, Vec<String>);

#[derive(Debug)]
pub(crate) struct Job {
    item: OpenItem,
    reply: oneshot::Sender<AppResult<Opened>>,
}

/// The way into the case writer; the writer task starts with the first
/// submission.
#[derive(Debug)]
pub struct CreateQueue {
    sender: std::sync::OnceLock<mpsc::Sender<Job>>,
}

impl Default for CreateQueue {
    fn default() -> Self {
        Self {
            sender: std::sync::OnceLock::new(),
        }
    }
}

impl CreateQueue {
    pub(crate) async fn submit(&self, app: &App, item: OpenItem) -> AppResult<Opened> {
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(1024);
            let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
            // SQLite has one writer; PostgreSQL commits several batches at once.
            let writers = match app.store.backend() {
                frontdesk_store::Backend::Sqlite => 1,
                frontdesk_store::Backend::Postgres => 4,
            };
            for _ in 0..writers {
                tokio::spawn(run(app.clone(), rx.clone()));
            }
            tx
        });
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { item, reply })
            .await
            .map_err(|_| AppError::Internal("the case writer stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("the case writer dropped a submission".into()))?
    }
}

async fn run(app: App, jobs: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    loop {
        // Take what is waiting, then release the queue to the next writer.
        let batch = {
            let mut jobs = jobs.lock().await;
            let Some(first) = jobs.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        app.write_batch(batch).await;
    }
}

impl App {
    async fn write_batch(&self, batch: Vec<Job>) {
        let now = self.now();
        let items: Vec<OpenItem> = batch.iter().map(|j| j.item.clone()).collect();
        let together = async {
            let mut tx = self.store.begin().await?;
            let opened = self.open_cases(&mut tx, items, now).await?;
            tx.commit().await?;
            AppResult::Ok(opened)
        };
        match together.await {
            Ok(opened) => {
                for (job, result) in batch.into_iter().zip(opened) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            // One bad submission must not fail the others: retry each alone.
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, size = batch.len(), "batched case creation failed; writing one by one");
                for job in batch {
                    let result = async {
                        let mut tx = self.store.begin().await?;
                        let opened = self.open_case(&mut tx, job.item, self.now()).await?;
                        tx.commit().await?;
                        AppResult::Ok(opened)
                    }
                    .await;
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                if let Some(job) = batch.into_iter().next() {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }
}
