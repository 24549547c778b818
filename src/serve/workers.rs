//! The threads that serve connections: one single-threaded runtime per core, each
//! driving the connections handed to it from accept to close, as nginx's worker
//! processes do. A request is read, answered and written on one thread, with no task
//! moved between threads and no scheduler shared by all of them; the accept loop hands
//! each new connection to the next worker in turn.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// One worker: its runtime's handle, how to stop it, and its thread.
struct Worker {
    handle: Handle,
    stop: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

/// The worker threads.
pub(crate) struct Workers {
    workers: Vec<Worker>,
    next: AtomicUsize,
}

impl Workers {
    /// Starts `count` workers (at least one); each stops within `grace` of
    /// [`Workers::stop`], dropping the connections it still holds.
    pub(crate) fn start(count: usize, grace: Duration) -> io::Result<Workers> {
        let workers = (0..count.max(1))
            .map(|index| Worker::start(index, grace))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Workers {
            workers,
            next: AtomicUsize::new(0),
        })
    }

    /// One worker per core this process may use.
    pub(crate) fn per_core(grace: Duration) -> io::Result<Workers> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Workers::start(cores, grace)
    }

    /// Moves `stream` (accepted on another runtime) to the next worker and runs the
    /// future `serve` makes of it there.
    pub(crate) fn spawn<F>(&self, stream: TcpStream, serve: impl FnOnce(TcpStream) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let at = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let handle = &self.workers[at].handle;
        let moved = stream.into_std().and_then(|stream| {
            // Registers the socket with the worker's own I/O driver.
            let _in_worker = handle.enter();
            TcpStream::from_std(stream)
        });
        match moved {
            Ok(stream) => {
                handle.spawn(serve(stream));
            }
            Err(e) => tracing::debug!("a connection could not be handed to a worker: {e}"),
        }
    }

    /// Stops every worker and waits for their threads.
    pub(crate) fn stop(self) {
        let threads: Vec<JoinHandle<()>> = self
            .workers
            .into_iter()
            .map(|worker| {
                let _ = worker.stop.send(());
                worker.thread
            })
            .collect();
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Worker {
    fn start(index: usize, grace: Duration) -> io::Result<Worker> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("herald-serve-{index}"))
            .spawn(move || {
                let _ = runtime.block_on(stopped);
                runtime.shutdown_timeout(grace);
            })?;
        Ok(Worker {
            handle,
            stop,
            thread,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::mpsc;

    use super::*;

    /// The runtime that accepts, apart from the workers (as `herald serve`'s own).
    fn acceptor() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A connected pair on loopback: the accepted end (a tokio stream of `runtime`) and
    /// the client's end.
    fn accepted(runtime: &tokio::runtime::Runtime) -> (TcpStream, std::net::TcpStream) {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let client = std::net::TcpStream::connect(address).unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (server, client)
        })
    }

    #[test]
    fn connections_go_to_each_worker_in_turn_and_run_there() {
        let acceptor = acceptor();
        let workers = Workers::start(2, Duration::from_secs(1)).unwrap();
        let (tx, rx) = mpsc::channel();
        let mut clients = Vec::new();
        for _ in 0..4 {
            let (server, client) = accepted(&acceptor);
            clients.push(client);
            let tx = tx.clone();
            workers.spawn(server, move |mut stream| async move {
                use tokio::io::AsyncWriteExt;
                // The stream works on the worker's own driver.
                stream.write_all(b"hi").await.unwrap();
                let thread = std::thread::current().name().map(str::to_string);
                tx.send(thread).unwrap();
            });
        }
        let threads: Vec<Option<String>> = (0..4)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        let distinct: BTreeSet<_> = threads.iter().flatten().cloned().collect();
        assert_eq!(
            distinct,
            BTreeSet::from(["herald-serve-0".to_string(), "herald-serve-1".to_string()]),
            "{threads:?}"
        );
        for mut client in clients {
            use std::io::Read;
            let mut hi = [0; 2];
            client.read_exact(&mut hi).unwrap();
            assert_eq!(&hi, b"hi");
        }
        workers.stop();
    }

    #[test]
    fn stopping_drops_the_connections_still_open() {
        let acceptor = acceptor();
        let workers = Workers::start(1, Duration::from_millis(100)).unwrap();
        let (server, mut client) = accepted(&acceptor);
        let (started, running) = mpsc::channel();
        workers.spawn(server, move |stream| async move {
            let _held = stream;
            started.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        running.recv_timeout(Duration::from_secs(5)).unwrap();
        let begun = std::time::Instant::now();
        workers.stop();
        assert!(begun.elapsed() < Duration::from_secs(5));
        // The worker dropped the stream: the client reads the end of it.
        use std::io::Read;
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut rest = Vec::new();
        assert_eq!(client.read_to_end(&mut rest).unwrap(), 0);
    }
}
