//! A small SMTP server on 127.0.0.1 that keeps what it is sent: enough of
//! RFC 5321 for a client that says EHLO, MAIL, RCPT, DATA and QUIT.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

/// The running server.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// While set, the end of DATA is answered `451` (try again later).
    pub refusing: Arc<Mutex<bool>>,
    refused: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
            received: Arc::default(),
            refusing: Arc::default(),
            refused: Arc::default(),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = server.clone();
                tokio::spawn(async move { session.serve(stream).await });
            }
        });
        sink
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The `Message-ID` of the last message answered 451.
    pub fn last_refused_message_id(&self) -> Option<String> {
        let refused = self.refused.lock().unwrap();
        let mail = mailparse::parse_mail(&refused.last()?.data).ok()?;
        mail.headers
            .iter()
            .find(|h| h.get_key() == "Message-ID")
            .map(|h| h.get_value())
    }

    async fn serve(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink ESMTP\r\n").await?;
        let mut current = Received {
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut line = String::new();
        // Bounded: a session is a handful of commands.
        for _ in 0..1_000 {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if command.starts_with("MAIL FROM:") {
                current.from = line.trim_end()[10..].to_string();
                b"250 OK\r\n"
            } else if command.starts_with("RCPT TO:") {
                current.to.push(line.trim_end()[8..].to_string());
                b"250 OK\r\n"
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                current.data = read_data(&mut lines).await?;
                if *self.refusing.lock().unwrap() {
                    self.refused.lock().unwrap().push(current.clone());
                    b"451 try again later\r\n"
                } else {
                    self.received.lock().unwrap().push(current.clone());
                    b"250 queued\r\n"
                }
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 OK\r\n"
            };
            write.write_all(reply).await?;
        }
        Ok(())
    }
}

/// The message after DATA, up to the lone dot, dots unstuffed.
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 || line == b".\r\n" {
            return Ok(data);
        }
        let unstuffed = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(unstuffed);
    }
}
