pub mod ladder;
